/**
 * The CDR collector's query and report API (`/api/v1`, HTTP Basic, JSON) as the Reports pages use it.
 * Over HTTP like any client, so the pages work against a collector in this process or elsewhere.
 */
import { Agent, request } from 'undici';
import { webErrors } from '../errors.ts';

export interface CollectorEndpoint {
  /** `http(s)://host:port` without `/api/v1`. */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  readonly allowSelfSigned?: boolean;
}

export type Row = Record<string, unknown>;

export class CollectorApi {
  readonly #dispatcher: Agent;

  constructor(readonly endpoint: CollectorEndpoint) {
    this.#dispatcher = new Agent({ connect: { rejectUnauthorized: endpoint.allowSelfSigned !== true }, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  /** GET `/api/v1${path}` with query parameters (empty values left out) → the JSON document. */
  async get(path: string, query: Record<string, string | undefined> = {}): Promise<Row> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
    const qs = params.size > 0 ? `?${params.toString()}` : '';
    const auth = Buffer.from(`${this.endpoint.user}:${this.endpoint.password}`).toString('base64');
    let status: number;
    let body: string;
    try {
      const res = await request(`${this.endpoint.baseUrl}/api/v1${path}${qs}`, { headers: { authorization: `Basic ${auth}`, accept: 'application/json' }, dispatcher: this.#dispatcher });
      status = res.statusCode;
      body = await res.body.text();
    } catch (error) {
      throw webErrors.upstream('collector', `no answer from ${this.endpoint.baseUrl} (${error instanceof Error ? error.message : String(error)})`);
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
    return json as Row;
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }
}

/** `doc[name]` as rows (an empty list when absent). */
export function rowsOf(doc: Row, name: string): Row[] {
  const value = doc[name];
  return Array.isArray(value) ? (value as Row[]) : [];
}

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
