/**
 * The CDR collector's query and report API (`/api/v1`, HTTP Basic, JSON) as the Reports pages use it.
 * Over HTTP like any client, so the pages work against a collector in this process or elsewhere.
 */
import { HttpTransport, UpstreamError } from '../../shared/http/transport.ts';
import { webErrors } from '../errors.ts';

export interface CollectorEndpoint {
  /** `http(s)://host:port` without `/api/v1`. */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  readonly allowSelfSigned?: boolean;
}

export type CollectorRow = Record<string, unknown>;

export class CollectorApi {
  readonly #http: HttpTransport;

  constructor(readonly endpoint: CollectorEndpoint) {
    this.#http = new HttpTransport({
      baseUrl: endpoint.baseUrl,
      credentials: { user: endpoint.user, password: endpoint.password },
      allowSelfSigned: endpoint.allowSelfSigned,
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
    });
  }

  /** GET `/api/v1${path}` with query parameters (empty values left out) → the JSON document. */
  async get(path: string, query: Record<string, string | undefined> = {}): Promise<CollectorRow> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
    const qs = params.size > 0 ? `?${params.toString()}` : '';
    let status: number;
    let body: string;
    try {
      ({ status, body } = await this.#http.request({ method: 'GET', path: `/api/v1${path}${qs}`, headers: { accept: 'application/json' } }));
    } catch (error) {
      if (error instanceof UpstreamError) throw webErrors.upstream('collector', error.message);
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw webErrors.upstream('collector', `GET ${path} answered ${status} with something other than JSON`);
    }
    if (status === 404) throw webErrors.notFound('call');
    if (status >= 400 && status < 500 && status !== 401) {
      const message = (json as { error?: { message?: string } }).error?.message ?? `answered ${status}`;
      throw webErrors.badRequest(`The collector refused the query: ${message}`);
    }
    if (status !== 200 || json === null || typeof json !== 'object') throw webErrors.upstream('collector', `GET ${path} answered ${status}`);
    return json as CollectorRow;
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}

/** `doc[name]` as rows (an empty list when absent). */
export function rowsOf(doc: CollectorRow, name: string): CollectorRow[] {
  const value = doc[name];
  return Array.isArray(value) ? (value as CollectorRow[]) : [];
}

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
