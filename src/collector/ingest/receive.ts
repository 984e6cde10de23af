/**
 * The CDR receiver side of the HTTP server: `POST` on any path outside `/api/v1` is a CDR post.
 * The query string of the receiver URI (e.g. `?system_id=cms1`) is kept as the records' source.
 * Optional authentication: HTTP Basic, or a `token` in the URI query (CMS can send either).
 * The answer is 200 only once every record of the post is committed; 400 (nothing kept) when the
 * post cannot be parsed.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { collectorErrors } from '../errors.ts';
import type { CdrIngest } from './pipeline.ts';

export interface IngestAuth {
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
}

export interface ReceiverOptions {
  readonly ingest: CdrIngest;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly auth?: IngestAuth | undefined;
  /** Paths under this prefix are the query API, never CDR posts. */
  readonly apiPrefix: string;
}

export const TOKEN_PARAM = 'token';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Basic-auth credentials of a request, if any. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function authorised(auth: IngestAuth | undefined, request: FastifyRequest, query: URLSearchParams): boolean {
  const wantsBasic = auth?.user !== undefined && auth.password !== undefined;
  const wantsToken = auth?.token !== undefined;
  if (!wantsBasic && !wantsToken) return true;
  if (wantsBasic) {
    const given = basicCredentials(request.headers.authorization);
    if (given && same(given.user, auth.user ?? '') && same(given.password, auth.password ?? '')) return true;
  }
  if (wantsToken) {
    const token = query.get(TOKEN_PARAM);
    if (token !== null && same(token, auth.token ?? '')) return true;
  }
  return false;
}

/** The receiver URI's query string minus the ingest token, or null when empty. */
export function sourceOf(query: URLSearchParams): string | null {
  const kept = new URLSearchParams(query);
  kept.delete(TOKEN_PARAM);
  const text = kept.toString();
  return text === '' ? null : text;
}

export function registerReceiver(app: FastifyInstance, options: ReceiverOptions): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = request.raw.url ?? '/';
    const questionMark = url.indexOf('?');
    const path = questionMark < 0 ? url : url.slice(0, questionMark);
    if (path === options.apiPrefix || path.toLowerCase().startsWith(`${options.apiPrefix.toLowerCase()}/`)) {
      throw collectorErrors.methodNotAllowed(request.method);
    }
    const query = new URLSearchParams(questionMark < 0 ? '' : url.slice(questionMark + 1));
    if (!authorised(options.auth, request, query)) {
      void reply.header('www-authenticate', 'Basic realm="cdr"');
      throw collectorErrors.unauthorized();
    }
    const body = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const result = await options.ingest.submit({ body, source: sourceOf(query), receivedMs: options.clock.now() });
    if (result.kind === 'refused') {
      options.logger.warn({ path, code: result.error.code, reason: result.error.message }, 'CDR post refused');
      throw result.error;
    }
    if (result.kind === 'failed') {
      options.logger.error({ session: result.session, reason: result.reason }, 'CDR post could not be committed');
      throw collectorErrors.storageUnavailable();
    }
    const { outcome } = result;
    if (outcome.duplicates > 0) options.logger.debug({ session: result.session, duplicates: outcome.duplicates }, 'duplicate CDRs acknowledged');
    await reply.code(200).header('content-type', 'application/json').send(JSON.stringify(outcome));
  };
  app.post('/', handler);
  app.post('/*', handler);
}
