/**
 * The CDR receiver side of the HTTP server: `POST` on any path outside `/api/v1` is a CDR post.
 * The query string of the receiver URI (e.g. `?system_id=cms1`) is kept as the records' source.
 * Optional authentication: HTTP Basic, or a `token` in the URI query (CMS can send either).
 *
 * Before a byte of the body is read (`onRequest`): a post to the query API is refused (405), a
 * post without the credentials (401), one declared larger than the limit (413), and one that does
 * not fit the budget of bodies in flight (503 with Retry-After, `limits.ts`); these answers close
 * the connection, so the body is never read. A complete post is answered 200 once its records are
 * committed, or once it is quarantined when the collector cannot use it (`pipeline.ts`); 503 only
 * when the database failed for a transient reason.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.ts';
import { credentialsMatch, parseBasicAuth, secretEquals } from '../../shared/http/basicAuth.ts';
import type { Logger } from '../../shared/logger.ts';
import { collectorErrors, type CollectorError } from '../errors.ts';
import type { BodyBudget, BodyShare } from './limits.ts';
import type { CdrIngest } from './ingestPipeline.ts';

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
  /** The largest post body (bytes). */
  readonly bodyLimit: number;
  /** The bytes of bodies in flight at once. */
  readonly budget: BodyBudget;
}

/** Seconds a sender is asked to wait before sending again after a 503. */
export const RETRY_AFTER_BUSY_SECONDS = 1;
export const RETRY_AFTER_STORAGE_SECONDS = 5;

export const TOKEN_PARAM = 'token';

function authorised(auth: IngestAuth | undefined, request: FastifyRequest, query: URLSearchParams): boolean {
  const wantsBasic = auth?.user !== undefined && auth.password !== undefined;
  const wantsToken = auth?.token !== undefined;
  if (!wantsBasic && !wantsToken) return true;
  if (wantsBasic) {
    if (credentialsMatch(parseBasicAuth(request.headers.authorization), { user: auth.user ?? '', password: auth.password ?? '' })) return true;
  }
  if (wantsToken) {
    const token = query.get(TOKEN_PARAM);
    if (token !== null && secretEquals(token, auth.token ?? '')) return true;
  }
  return false;
}

/** The receiver URI's query string minus the ingest token (percent-encoded again), or null when empty. */
export function sourceOf(query: URLSearchParams): string | null {
  const kept = new URLSearchParams(query);
  kept.delete(TOKEN_PARAM);
  const text = kept.toString();
  return text === '' ? null : text;
}

/** The declared body length; undefined when the body is chunked (or absent). */
function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return request.headers['transfer-encoding'] === undefined ? 0 : undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** What the receiver learned about a post before reading its body. */
interface Admitted {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly share: BodyShare;
}

export function registerReceiver(app: FastifyInstance, options: ReceiverOptions): void {
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  const { budget, bodyLimit, logger } = options;

  /** Everything decided from the request line and headers, before a byte of the body is read. */
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = request.raw.url ?? '/';
    const questionMark = url.indexOf('?');
    const path = questionMark < 0 ? url : url.slice(0, questionMark);
    const declared = declaredLength(request);
    // A refused post's body is not read: the connection closes after the answer.
    const refused = (error: CollectorError): CollectorError => {
      if (declared !== 0) void reply.header('connection', 'close');
      return error;
    };
    if (path === options.apiPrefix || path.toLowerCase().startsWith(`${options.apiPrefix.toLowerCase()}/`)) {
      throw refused(collectorErrors.methodNotAllowed(request.method));
    }
    const query = new URLSearchParams(questionMark < 0 ? '' : url.slice(questionMark + 1));
    if (!authorised(options.auth, request, query)) {
      void reply.header('www-authenticate', 'Basic realm="cdr"');
      throw refused(collectorErrors.unauthorized());
    }
    if (declared !== undefined && declared > bodyLimit) throw refused(collectorErrors.badRequest(413, `a CDR post is limited to ${bodyLimit} bytes`));
    // A chunked body may grow to the limit: it takes that much.
    const share = budget.take(declared ?? bodyLimit);
    if (!share) {
      logger.warn({ path, bytes: declared ?? bodyLimit, inFlight: budget.used }, 'CDR post refused for now: too many bodies in flight');
      void reply.header('retry-after', String(RETRY_AFTER_BUSY_SECONDS));
      throw refused(collectorErrors.busy());
    }
    reply.raw.once('close', () => share.release());
    admitted.set(request, { path, query, share });
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const post = admitted.get(request);
    if (!post) throw collectorErrors.internal();
    post.share.hold();
    try {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const source = sourceOf(post.query);
      const remoteAddress = request.ip === '' ? null : request.ip;
      const result = await options.ingest.submit({ body, source, remoteAddress, receivedMs: options.clock.now() });
      if (result.kind === 'failed') {
        logger.error({ session: result.session, reason: result.reason }, 'CDR post could not be committed');
        void reply.header('retry-after', String(RETRY_AFTER_STORAGE_SECONDS));
        throw collectorErrors.storageUnavailable();
      }
      if (result.kind === 'quarantined') {
        const { id, code, reason } = result;
        logger.warn({ quarantined: id, code, reason, size: body.length, source, remoteAddress, path: post.path }, 'CDR post quarantined');
        await reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ quarantined: id, code, reason }));
        return;
      }
      const { outcome } = result;
      if (outcome.duplicates > 0) logger.debug({ session: result.session, duplicates: outcome.duplicates }, 'duplicate CDRs acknowledged');
      await reply.code(200).header('content-type', 'application/json').send(JSON.stringify(outcome));
    } finally {
      post.share.release();
    }
  };
  const route = { bodyLimit, onRequest: admit };
  app.post('/', route, handler);
  app.post('/*', route, handler);
}
