/**
 * The web UI's use of the one CMS client (`src/clients/cms/`): a client per bridge without retries (a
 * page answers now; the Live page polls again anyway), and the mapping of its `CmsError` to the web
 * UI's catalogue: a change the bridge refuses with a 4xx other than 401 is the user's to fix (400
 * naming the CMS reason); a failed read, no answer, or any other status is the bridge's (502).
 */
import { CmsClient } from '../../clients/cms/client.ts';
import { CmsError } from '../../clients/cms/errors.ts';
import { textOf, type XmlNode } from '../../clients/cms/xml.ts';
import { systemClock, type Clock } from '../../shared/clock.ts';
import { UpstreamError } from '../../shared/http/transport.ts';
import { webErrors } from '../errors.ts';

export interface BridgeEndpoint {
  /** `https://host:port` (no `/api/v1`). */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  /** Accept a self-signed certificate (our own bridge in `switchboard up`). */
  readonly allowSelfSigned: boolean;
}

export function bridgeClient(endpoint: BridgeEndpoint, clock: Clock = systemClock): CmsClient {
  return new CmsClient(
    { baseUrl: endpoint.baseUrl, username: endpoint.user, password: endpoint.password, allowSelfSigned: endpoint.allowSelfSigned },
    { clock, attempts: 1, timeoutMs: 10_000 },
  );
}

/** Runs a CMS request, turning its failure into a WebError. */
export async function viaBridge<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (!(error instanceof CmsError)) throw error;
    const status = error.status;
    if (error.method !== 'GET' && status !== undefined && status >= 400 && status < 500 && status !== 401) {
      throw webErrors.badRequest(`The bridge refused: ${error.reason ?? `HTTP ${status}`}.`);
    }
    // No answer: the transport's own words (`no answer from https://host:port (…)`).
    throw webErrors.upstream('bridge', error.cause instanceof UpstreamError ? error.cause.message : error.message);
  }
}

/** A child element's text, '' when absent. */
export function text(node: XmlNode | undefined, name: string): string {
  return textOf(node, name) ?? '';
}
