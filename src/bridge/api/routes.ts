/**
 * How API modules declare routes: a path (matched case-insensitively by the router) and a handler per
 * method. Handlers see parsed parameters and return a response description; they never touch Fastify,
 * so they are plain functions to read and test. Methods a path does not support answer
 * `invalidOperation`, as CMS does for e.g. POST /system/profiles.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bridgeErrors } from '../errors.ts';
import { FormFields } from './form.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: FormFields;
  readonly body: FormFields;
}

export type ApiResponse =
  | { readonly kind: 'xml'; readonly body: string }
  | { readonly kind: 'created'; readonly location: string }
  | { readonly kind: 'ok' };

export type Handler = (request: ApiRequest) => Promise<ApiResponse>;

export const ok: ApiResponse = { kind: 'ok' };
export const xml = (body: string): ApiResponse => ({ kind: 'xml', body });
export const created = (location: string): ApiResponse => ({ kind: 'created', location });

const ALL_METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** Parsed body fields are attached to the request by the plugin's preHandler. */
declare module 'fastify' {
  interface FastifyRequest {
    formFields?: FormFields;
  }
}

export function route(app: FastifyInstance, path: string, handlers: Partial<Record<Method, Handler>>): void {
  for (const method of ALL_METHODS) {
    const handler = handlers[method];
    app.route({
      method,
      url: path,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!handler) throw bridgeErrors.methodNotAllowed();
        const response = await handler({
          params: lowerIds(request.params),
          query: FormFields.fromQuery(request.query),
          body: request.formFields ?? FormFields.parse(undefined),
        });
        return send(reply, response);
      },
    });
  }
}

/**
 * Object ids are lower-case GUIDs; clients may send them in any case. An id holding a NUL names no
 * object (and Postgres text cannot carry one), so such a path is unknown rather than a database error.
 */
function lowerIds(params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof params === 'object' && params !== null) {
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      if (v.includes('\u0000')) throw bridgeErrors.unrecognizedObject();
      out[k] = v.toLowerCase();
    }
  }
  return out;
}

function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  switch (response.kind) {
    case 'xml':
      return reply.code(200).header('content-type', 'text/xml').send(response.body);
    case 'created':
      return reply.code(200).header('location', response.location).send('');
    case 'ok':
      return reply.code(200).send('');
  }
}
