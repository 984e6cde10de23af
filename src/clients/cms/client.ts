/**
 * One typed client for the CMS management API, meant to work against a real Cisco Meeting Server as
 * well as ours: an undici keep-alive Pool per bridge address, HTTP Basic auth, TLS with an opt-in for
 * self-signed certificates, retries with backoff (on the injected Clock) for 503 and connection
 * errors, list paging that advances by the number of items actually returned, and errors carrying the
 * HTTP status and the `<failureDetails>` reason. Every exchange can be observed (the runner writes them
 * to a per-meeting audit log, passcodes masked).
 */
import type { Clock } from '../../shared/clock.ts';
import { HttpTransport, UpstreamError } from '../../shared/http/transport.ts';
import { maskFields, maskUri, maskXml } from '../../shared/logger.ts';
import { CmsError } from './errors.ts';
import { attrOf, boolOf, child, failureOf, listOf, numberOf, parseCmsXml, textOf, type XmlNode } from './xml.ts';

export interface CmsEndpoint {
  /** `https://host[:port]` or `http://host:port`, without `/api/v1`. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly allowSelfSigned: boolean;
}

/** One request and its outcome, as the audit log records it (form fields and secrets in the path's query already masked). */
export interface CmsExchange {
  readonly method: string;
  readonly path: string;
  readonly fields?: Readonly<Record<string, string>>;
  readonly attempt: number;
  readonly status: number | undefined;
  readonly location?: string | undefined;
  readonly body?: string;
  readonly error?: string;
  readonly startedAtMs: number;
  readonly durationMs: number;
}

/** An answer's body as the audit log keeps it: secrets masked first, then cut to MAX_RECORDED_BODY. */
function recordedBody(text: string): string {
  const masked = maskXml(text);
  return masked.length > MAX_RECORDED_BODY ? `${masked.slice(0, MAX_RECORDED_BODY)}…` : masked;
}

export type CmsObserver = (exchange: CmsExchange) => void | Promise<void>;

export interface CmsClientOptions {
  readonly clock: Clock;
  /** Attempts per request on 503 / connection errors (default 4). */
  readonly attempts?: number;
  /** First backoff delay; doubles each attempt (default 500 ms). */
  readonly backoffMs?: number;
  /** Per-request timeout for headers and body (default 15 s). */
  readonly timeoutMs?: number;
  readonly connections?: number;
  readonly observer?: CmsObserver;
}

export interface CmsResponse {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

export type Fields = Readonly<Record<string, string | number | boolean>>;

export interface SystemStatus {
  readonly softwareVersion: string | undefined;
  readonly uptimeSeconds: number | undefined;
  readonly clusterEnabled: boolean | undefined;
  readonly callLegsActive: number | undefined;
}

export interface CallBridgeInfo {
  readonly id: string;
  readonly name: string;
  readonly address: string | undefined;
  readonly sipDomain: string | undefined;
}

export interface CoSpaceInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly uri: string | undefined;
  readonly callId: string | undefined;
}

export interface CallInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly coSpace: string | undefined;
  readonly callCorrelator: string | undefined;
}

export interface CallLegInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly remoteParty: string | undefined;
  readonly call: string | undefined;
}

export interface CallLegDetail extends CallLegInfo {
  /** status/state: initial | ringing | connected | onHold. */
  readonly state: string | undefined;
  readonly direction: string | undefined;
}

export interface BulkSyncInfo {
  readonly id: string;
  readonly status: string | undefined;
}

export interface ListResult {
  readonly total: number;
  readonly items: XmlNode[];
}

/** `host[:port]` → https; `http://` / `https://` kept; a trailing `/` or `/api/v1` dropped. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().replace(/\/+$/, '').replace(/\/api\/v1$/i, '');
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const url = new URL(withScheme);
  if (url.pathname !== '/' && url.pathname !== '') throw new Error(`"${address}" is not host[:port]`);
  if (url.username !== '' || url.password !== '') throw new Error('credentials do not belong in the address');
  return url.origin;
}

/** Codes of a failure to reach the bridge; any other failure is recorded with a `transport:` prefix. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function encodeFields(fields: Fields): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) params.append(k, String(v));
  return params.toString();
}

function stringFields(fields: Fields): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
}

const MAX_RECORDED_BODY = 4000;

/** One connection pool per endpoint, shared by the observed views of a client. */
interface Transport {
  readonly http: HttpTransport;
  closed: boolean;
}

export class CmsClient {
  readonly endpoint: CmsEndpoint;
  readonly #transport: Transport;
  readonly #options: CmsClientOptions;

  constructor(endpoint: CmsEndpoint, options: CmsClientOptions, transport?: Transport) {
    this.endpoint = { ...endpoint, baseUrl: normalizeAddress(endpoint.baseUrl) };
    this.#options = options;
    const timeout = options.timeoutMs ?? 15_000;
    this.#transport = transport ?? {
      http: new HttpTransport({
        baseUrl: this.endpoint.baseUrl,
        credentials: { user: endpoint.username, password: endpoint.password },
        allowSelfSigned: endpoint.allowSelfSigned,
        connections: options.connections ?? 16,
        keepAliveTimeoutMs: 30_000,
        connectTimeoutMs: timeout,
        headersTimeoutMs: timeout,
        bodyTimeoutMs: timeout,
      }),
      closed: false,
    };
  }

  /** The same connection pool, reporting every exchange to `observer` (e.g. one meeting's audit log). */
  withObserver(observer: CmsObserver): CmsClient {
    return new CmsClient(this.endpoint, { ...this.#options, observer }, this.#transport);
  }

  async close(): Promise<void> {
    if (this.#transport.closed) return;
    this.#transport.closed = true;
    await this.#transport.http.close();
  }

  /** One API request with retries; non-2xx answers throw CmsError. `path` is relative to /api/v1. */
  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, fields?: Fields): Promise<CmsResponse> {
    const attempts = Math.max(1, this.#options.attempts ?? 4);
    const backoff = this.#options.backoffMs ?? 500;
    const fullPath = `/api/v1${path}`;
    const body = fields === undefined ? undefined : encodeFields(fields);
    const masked = fields === undefined ? undefined : maskFields(stringFields(fields));
    for (let attempt = 1; ; attempt++) {
      const startedAtMs = this.#options.clock.now();
      let status: number | undefined;
      let text = '';
      let location: string | undefined;
      let failure: string | undefined;
      let noAnswer: UpstreamError | undefined;
      try {
        const res = await this.#transport.http.request({
          method,
          path: fullPath,
          headers: {
            accept: 'text/xml, application/xml',
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          body,
        });
        status = res.status;
        text = res.body;
        const loc = res.headers['location'];
        location = Array.isArray(loc) ? loc[0] : loc;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        noAnswer = error;
        // No answer (refused, reset, timed out, TLS refused): retried below like a 503.
        failure = `${error.code ?? error.causeName}: ${error.detail}`;
        if (!TRANSIENT_CODES.has(error.code ?? '') && !this.#transport.closed) failure = `transport: ${failure}`;
      }
      await this.#observe({
        method,
        path: maskUri(fullPath),
        ...(masked === undefined ? {} : { fields: masked }),
        attempt,
        status,
        location,
        ...(text === '' ? {} : { body: recordedBody(text) }),
        ...(failure === undefined ? {} : { error: failure }),
        startedAtMs,
        durationMs: this.#options.clock.now() - startedAtMs,
      });
      const retryable = status === undefined || status === 503;
      if (retryable && attempt < attempts && !this.#transport.closed) {
        await this.#options.clock.sleep(backoff * 2 ** (attempt - 1));
        continue;
      }
      if (status === undefined) throw new CmsError(method, fullPath, undefined, undefined, failure ?? 'no answer', undefined, noAnswer);
      if (status < 200 || status >= 300) {
        const details = failureOf(text);
        const message = details ? `${status} ${details.reason}${details.parameter ? ` (${details.parameter.name}: ${details.parameter.error})` : ''}` : `HTTP ${status}`;
        throw new CmsError(method, fullPath, status, details?.reason, message, details?.parameter);
      }
      return { status, location, body: text };
    }
  }

  async #observe(exchange: CmsExchange): Promise<void> {
    if (this.#options.observer) await this.#options.observer(exchange);
  }

  /** GET of one object; the parsed root element. */
  async getObject(path: string): Promise<XmlNode> {
    const res = await this.request('GET', path);
    const root = parseCmsXml(res.body);
    if (!root) throw new CmsError('GET', `/api/v1${path}`, res.status, undefined, 'answer is not XML');
    return root;
  }

  /** GET of an object a bridge may not have (an older CMS, or not configured): undefined on 404. */
  async getOptional(path: string): Promise<XmlNode | undefined> {
    try {
      return await this.getObject(path);
    } catch (error) {
      if (error instanceof CmsError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** One page of a list. */
  async listPage(path: string, itemName: string, query: Readonly<Record<string, string | number>> = {}): Promise<ListResult> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return listOf(await this.getObject(qs === '' ? path : `${path}?${qs}`), itemName);
  }

  /**
   * Every item of a list, page by page. The offset advances by the number of items the bridge
   * returned (its own cap decides the page size); stops on an empty page, when `total` is reached, or
   * after `maxItems` items (a bound against a bridge whose `total` never stops growing).
   */
  async listAll(path: string, itemName: string, query: Readonly<Record<string, string | number>> = {}, maxItems = Number.POSITIVE_INFINITY): Promise<ListResult> {
    const items: XmlNode[] = [];
    let total = 0;
    for (let offset = 0; ; ) {
      const page = await this.listPage(path, itemName, offset === 0 ? query : { ...query, offset });
      total = page.total;
      items.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total || offset >= maxItems) break;
    }
    return { total, items };
  }

  /** POST creating an object; returns the new id (last segment of Location). */
  async create(path: string, fields: Fields): Promise<string> {
    const res = await this.request('POST', path, fields);
    const id = res.location?.split('/').filter((s) => s !== '').at(-1);
    if (id === undefined) throw new CmsError('POST', `/api/v1${path}`, res.status, undefined, 'answer has no Location');
    return id;
  }

  async update(path: string, fields: Fields): Promise<void> {
    await this.request('PUT', path, fields);
  }

  async remove(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  // ---- typed operations ----

  async systemStatus(): Promise<SystemStatus> {
    const root = await this.getObject('/system/status');
    return {
      softwareVersion: textOf(root, 'softwareVersion'),
      uptimeSeconds: numberOf(root, 'uptimeSeconds'),
      clusterEnabled: boolOf(root, 'clusterEnabled'),
      callLegsActive: numberOf(root, 'callLegsActive'),
    };
  }

  /** `GET /callBridges` then `GET /callBridges/<id>` for each: the cluster as the bridge sees it. */
  async callBridges(): Promise<CallBridgeInfo[]> {
    const list = await this.listAll('/callBridges', 'callBridge');
    const out: CallBridgeInfo[] = [];
    for (const item of list.items) {
      const id = attrOf(item, 'id');
      if (id === undefined) continue;
      const detail = await this.getObject(`/callBridges/${id}`);
      out.push({
        id,
        name: textOf(detail, 'name') ?? textOf(item, 'name') ?? '',
        address: emptyToUndefined(textOf(detail, 'address')),
        sipDomain: emptyToUndefined(textOf(detail, 'sipDomain')),
      });
    }
    return out;
  }

  createCallProfile(fields: Fields): Promise<string> {
    return this.create('/callProfiles', fields);
  }

  createCallLegProfile(fields: Fields): Promise<string> {
    return this.create('/callLegProfiles', fields);
  }

  createBulkParameterSet(fields: Fields): Promise<string> {
    return this.create('/cospaceBulkParameterSets', fields);
  }

  updateBulkParameterSet(id: string, fields: Fields): Promise<void> {
    return this.update(`/cospaceBulkParameterSets/${id}`, fields);
  }

  createBulkSync(parameterSet: string): Promise<string> {
    return this.create('/cospaceBulkSyncs', { cospaceBulkParameterSet: parameterSet });
  }

  async bulkSync(id: string): Promise<BulkSyncInfo> {
    const root = await this.getObject(`/cospaceBulkSyncs/${id}`);
    return { id, status: textOf(root, 'status') };
  }

  async coSpaces(filter?: string): Promise<CoSpaceInfo[]> {
    const list = await this.listAll('/coSpaces', 'coSpace', filter === undefined ? {} : { filter });
    return list.items.flatMap((item) => {
      const id = attrOf(item, 'id');
      return id === undefined ? [] : [{ id, name: textOf(item, 'name'), uri: textOf(item, 'uri'), callId: textOf(item, 'callId') }];
    });
  }

  /** First page of /coSpaces, the way TMS looks before and after it opens a space. */
  async coSpacesPage(): Promise<ListResult> {
    return this.listPage('/coSpaces', 'coSpace');
  }

  updateCoSpace(id: string, fields: Fields): Promise<void> {
    return this.update(`/cospaces/${id}`, fields);
  }

  async participantsPage(): Promise<ListResult> {
    return this.listPage('/participants', 'participant');
  }

  async calls(coSpaceFilter?: string): Promise<CallInfo[]> {
    const list = await this.listAll('/calls', 'call', coSpaceFilter === undefined ? {} : { coSpaceFilter });
    return list.items.flatMap((item) => {
      const id = attrOf(item, 'id');
      return id === undefined
        ? []
        : [{ id, name: textOf(item, 'name'), coSpace: textOf(item, 'coSpace'), callCorrelator: textOf(item, 'callCorrelator') }];
    });
  }

  async callsPage(): Promise<ListResult> {
    return this.listPage('/calls', 'call');
  }

  async callLegsPage(): Promise<ListResult> {
    return this.listPage('/calllegs', 'callLeg');
  }

  createCall(coSpace: string): Promise<string> {
    return this.create('/calls', { coSpace });
  }

  deleteCall(id: string): Promise<void> {
    return this.remove(`/calls/${id}`);
  }

  async callLegsOf(callId: string): Promise<CallLegInfo[]> {
    const list = await this.listAll(`/calls/${callId}/callLegs`, 'callLeg');
    return list.items.flatMap((item) => {
      const id = attrOf(item, 'id');
      return id === undefined
        ? []
        : [{ id, name: textOf(item, 'name'), remoteParty: textOf(item, 'remoteParty'), call: textOf(item, 'call') }];
    });
  }

  async callLeg(id: string): Promise<CallLegDetail> {
    const root = await this.getObject(`/callLegs/${id}`);
    return {
      id,
      name: textOf(root, 'name'),
      remoteParty: textOf(root, 'remoteParty'),
      call: textOf(root, 'call'),
      state: textOf(child(root, 'status'), 'state'),
      direction: textOf(root, 'direction'),
    };
  }

  dialOut(callId: string, remoteParty: string): Promise<string> {
    return this.create(`/calls/${callId}/calllegs`, { remoteParty });
  }
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
