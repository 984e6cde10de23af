/**
 * The CMS management API under /api/v1 as one Fastify plugin: Basic auth (realm "acano"), form bodies
 * whatever the Content-Type, case-insensitive paths, `<failureDetails>` for every failure, and an API
 * trace line per request with passcodes and secrets masked (in the fields and in the query string).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { maskFields, maskUri } from '../../shared/logger.ts';
import type { BridgeContext } from '../context.ts';
import { BridgeError, bridgeErrors } from '../errors.ts';
import { failureDetailsXml } from './failureDetails.ts';
import { FormFields, MAX_BODY_CHARS } from './form.ts';
import { registerAccessMethods } from './objects/accessMethods.ts';
import { registerAccessQuery } from './objects/accessQuery.ts';
import { registerCallBridges } from './objects/callBridges.ts';
import { registerConfigObjects } from './objects/configObjects.ts';
import { registerSystemAlarms } from './objects/alarms.ts';
import { registerCdrReceivers } from './objects/cdrReceivers.ts';
import { registerCallLegs } from './objects/callLegs.ts';
import { registerCalls } from './objects/calls.ts';
import { registerParticipants } from './objects/participants.ts';
import { registerCoSpaceBulk } from './objects/coSpaceBulk.ts';
import { registerCoSpaces } from './objects/coSpaces.ts';
import { registerCoSpaceUsers } from './objects/coSpaceUsers.ts';
import { registerSystemStatus } from './objects/system.ts';
import { registerSystemConfig } from './objects/systemConfig.ts';
import { registerUsers } from './objects/users.ts';

export interface ApiCredentials {
  readonly user: string;
  readonly password: string;
}

export interface BridgeApiOptions {
  readonly ctx: BridgeContext;
  readonly credentials: ApiCredentials;
  /** Log one line per API request, like the CMS "API trace". Default true. */
  readonly apiTrace?: boolean;
}

/** Every API object module, in the order they are registered. */
export const API_MODULES: ReadonlyArray<(app: FastifyInstance, ctx: BridgeContext) => void> = [
  registerSystemStatus,
  registerCallBridges,
  registerCoSpaces,
  registerConfigObjects,
  registerAccessMethods,
  registerCoSpaceUsers,
  registerUsers,
  registerSystemConfig,
  registerAccessQuery,
  registerCdrReceivers,
  registerSystemAlarms,
  registerCalls,
  registerCallLegs,
  registerParticipants,
  registerCoSpaceBulk,
];

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function checkBasicAuth(header: string | undefined, credentials: ApiCredentials): boolean {
  if (header === undefined || !/^basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  // Evaluate both comparisons so timing does not reveal which part was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), credentials.user);
  const passwordOk = safeEqual(decoded.slice(colon + 1), credentials.password);
  return userOk && passwordOk;
}

function sendFailure(reply: FastifyReply, error: BridgeError): FastifyReply {
  return reply.code(error.status).header('content-type', 'text/xml').send(failureDetailsXml(error));
}

export const bridgeApi: FastifyPluginAsync<BridgeApiOptions> = (app, options) => {
  const { ctx, credentials } = options;
  const trace = ctx.logger.child({ component: 'apiTrace' });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_CHARS }, (_req, body, done) => {
    done(null, body);
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // Every body is a form whatever its Content-Type; clients send malformed ones ("x-www-form-urlencoded",
    // "www-formurl-encoded") that the HTTP layer would otherwise refuse before our parser sees the body.
    if (request.headers['content-type'] !== undefined) request.headers['content-type'] = 'text/plain';
    if (!checkBasicAuth(request.headers.authorization, credentials)) {
      await reply.code(401).header('www-authenticate', 'Basic realm="acano"').send('');
    }
  });

  app.addHook('preHandler', (request: FastifyRequest, _reply, done) => {
    try {
      request.formFields = FormFields.parse(typeof request.body === 'string' ? request.body : undefined);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  if (options.apiTrace !== false) {
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const size = reply.getHeader('content-length');
      trace.info(
        {
          method: request.method,
          path: maskUri(request.url),
          status: reply.statusCode,
          size: typeof size === 'string' || typeof size === 'number' ? Number(size) : 0,
          client: request.ip,
          ...(request.formFields && request.formFields.size > 0 ? { fields: maskFields(request.formFields.toRecord()) } : {}),
        },
        'api request',
      );
    });
  }

  app.setErrorHandler((error: FastifyError | BridgeError, request, reply) => {
    if (error instanceof BridgeError) return sendFailure(reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendFailure(reply, new BridgeError(413, ['parameterError'], { name: 'body', error: 'valueTooLong' }));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendFailure(reply, bridgeErrors.parameterError('request', 'invalidValue'));
    }
    ctx.logger.error({ err: error, method: request.method, path: maskUri(request.url) }, 'unexpected API failure');
    return sendFailure(reply, new BridgeError(500, ['databaseNotReady']));
  });

  app.setNotFoundHandler((_request, reply) => sendFailure(reply, bridgeErrors.unrecognizedObject()));

  for (const register of API_MODULES) register(app, ctx);
  return Promise.resolve();
};
