/**
 * The one HTTP client transport of the services' clients (the scheduler's CMS client, the web UI's
 * bridge and collector clients, `up`): an undici keep-alive pool for one origin, the Basic
 * `Authorization` header built once, connect / headers / body timeouts, TLS with an opt-in for
 * self-signed certificates, and an `UpstreamError` when the server gives no answer. Any HTTP status is
 * an answer: what a status means is the client's business.
 */
import { Pool } from 'undici';
import { basicAuthorization, type BasicCredentials } from './basicAuth.ts';

export interface TransportOptions {
  /** `http(s)://host[:port][/prefix]`; request paths are appended to it. */
  readonly baseUrl: string;
  /** Sent as HTTP Basic on every request. */
  readonly credentials?: BasicCredentials | undefined;
  /** Accept a certificate no trusted authority signed (our own bridge in `switchboard up`). */
  readonly allowSelfSigned?: boolean | undefined;
  /** Establishing the connection, TLS included (default 10 s). */
  readonly connectTimeoutMs?: number | undefined;
  /** From the request sent to the answer's headers (default 30 s). */
  readonly headersTimeoutMs?: number | undefined;
  /** Between two chunks of the answer's body (default 30 s). */
  readonly bodyTimeoutMs?: number | undefined;
  /** Connections kept to the origin (default: unbounded). */
  readonly connections?: number | undefined;
  /** An idle connection is kept this long (default 30 s). */
  readonly keepAliveTimeoutMs?: number | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportRequest {
  readonly method: HttpMethod;
  /** Path and query, from `/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** The first `code` on an error or its causes (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** No answer from the server: refused, reset, timed out, TLS refused, or the transport closed. */
export class UpstreamError extends Error {
  readonly origin: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** The network or undici code, when there is one. */
  readonly code: string | undefined;
  /** The underlying failure's name and message. */
  readonly causeName: string;
  readonly detail: string;

  constructor(origin: string, method: HttpMethod, path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`no answer from ${origin} (${detail})`, { cause });
    this.name = 'UpstreamError';
    this.origin = origin;
    this.method = method;
    this.path = path;
    this.code = errorCode(cause);
    this.causeName = cause instanceof Error ? cause.name : 'Error';
    this.detail = detail;
  }

  /** True when the server's answer was too slow (headers or body). */
  get timedOut(): boolean {
    return this.code === 'UND_ERR_HEADERS_TIMEOUT' || this.code === 'UND_ERR_BODY_TIMEOUT' || this.code === 'UND_ERR_CONNECT_TIMEOUT';
  }
}

export class HttpTransport {
  /** The origin requests go to, as given. */
  readonly baseUrl: string;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #authorization: string | undefined;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl;
    this.#authorization = options.credentials === undefined ? undefined : basicAuthorization(options.credentials);
    const url = new URL(options.baseUrl);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
      connect: { rejectUnauthorized: options.allowSelfSigned !== true, timeout: options.connectTimeoutMs ?? 10_000 },
    });
  }

  /** One exchange: any status is an answer; no answer throws UpstreamError. */
  async request(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization;
    try {
      const res = await this.#pool.request({ method: req.method, path: `${this.#prefix}${req.path}`, headers, ...(req.body === undefined ? {} : { body: req.body }) });
      const body = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body };
    } catch (error) {
      throw new UpstreamError(this.baseUrl, req.method, req.path, error);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
