/**
 * The one shape of a service's Fastify error handler. Three kinds of failure reach it:
 * - the service's own errors (its catalogue, `errors.ts`): written as they are;
 * - Fastify's own refusals of a request (body too large, a content type no parser takes, a body that
 *   is not JSON, schema validation, other 4xx): classified here, mapped by the service to its catalogue;
 * - anything else is a defect: logged once at error level with the request's method and masked path,
 *   answered with the service's internal error. Stack traces and the defect's message never reach
 *   the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { maskUri, type Logger } from '../logger.ts';
import type { ServiceError } from './errors.ts';

export type FrameworkFailureKind =
  /** `FST_ERR_CTP_BODY_TOO_LARGE` (413): the body passed the route's limit; it is not read further. */
  | 'bodyTooLarge'
  /** `FST_ERR_CTP_INVALID_MEDIA_TYPE` (415): no parser for the Content-Type. */
  | 'unsupportedMediaType'
  /** `FST_ERR_CTP_INVALID_JSON_BODY`, `FST_ERR_CTP_EMPTY_JSON_BODY` or a JSON syntax error (400). */
  | 'invalidJson'
  /** `FST_ERR_VALIDATION` (400): a route schema refused the request. */
  | 'validation'
  /** Any other 4xx Fastify raised (bad Content-Length, framing, ...). */
  | 'badRequest';

/** A request Fastify refused before or instead of the service's handler. */
export interface FrameworkFailure {
  readonly kind: FrameworkFailureKind;
  /** Fastify's status, 400–499. */
  readonly status: number;
  /** Fastify's message: one line about the request, no stack. */
  readonly message: string;
}

const JSON_CODES = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/** Fastify's refusal of a request, or undefined when the error is not one (a defect). */
export function classifyFrameworkError(error: unknown): FrameworkFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code, message, validation } = error as Partial<FastifyError>;
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const text = typeof message === 'string' ? message : '';
  let kind: FrameworkFailureKind = 'badRequest';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) kind = 'bodyTooLarge';
  else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || statusCode === 415) kind = 'unsupportedMediaType';
  else if ((code !== undefined && JSON_CODES.has(code)) || error instanceof SyntaxError) kind = 'invalidJson';
  else if (code === 'FST_ERR_VALIDATION' || validation !== undefined) kind = 'validation';
  return { kind, status: statusCode, message: text };
}

export interface ErrorHandlerOptions<E extends ServiceError> {
  readonly logger: Logger;
  /** The log line's message for a defect. */
  readonly logMessage: string;
  /** True for the service's own errors, written as they are. */
  readonly owns: (error: unknown) => error is E;
  /** Fastify's refusal in the service's catalogue (may set headers on the reply). */
  readonly fromFramework: (failure: FrameworkFailure, reply: FastifyReply) => E;
  /** The answer to a defect. */
  readonly internal: () => E;
  /** Writes an error in the service's wire format. */
  readonly send: (error: E, request: FastifyRequest, reply: FastifyReply) => unknown;
}

export type ServiceErrorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;

/** The handler to give `app.setErrorHandler`. */
export function createErrorHandler<E extends ServiceError>(options: ErrorHandlerOptions<E>): ServiceErrorHandler {
  return (error, request, reply) => {
    if (options.owns(error)) return options.send(error, request, reply);
    const failure = classifyFrameworkError(error);
    if (failure) return options.send(options.fromFramework(failure, reply), request, reply);
    options.logger.error({ err: error, method: request.method, path: maskUri(request.url) }, options.logMessage);
    return options.send(options.internal(), request, reply);
  };
}
