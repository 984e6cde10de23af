/**
 * The CMS management API under /api/v1 as one Fastify plugin: Basic auth (realm "acano"), form bodies
 * whatever the Content-Type, case-insensitive paths, `<failureDetails>` for every failure, and an API
 * trace line per request with passcodes and secrets masked (in the fields and in the query string).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { checkBasicAuth, type BasicCredentials } from '../../shared/http/basicAuth.ts';
import { createErrorHandler } from '../../shared/http/errorHandler.ts';
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

export type ApiCredentials = BasicCredentials;

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

  app.setErrorHandler(
    createErrorHandler({
      logger: ctx.logger,
      logMessage: 'unexpected API failure',
      owns: (error): error is BridgeError => error instanceof BridgeError,
      fromFramework: (failure) =>
        failure.kind === 'bodyTooLarge'
          ? new BridgeError(413, ['parameterError'], { name: 'body', error: 'valueTooLong' })
          : bridgeErrors.parameterError('request', 'invalidValue'),
      internal: () => new BridgeError(500, ['databaseNotReady']),
      send: (error, _request, reply) => sendFailure(reply, error),
    }),
  );

  app.setNotFoundHandler((_request, reply) => sendFailure(reply, bridgeErrors.unrecognizedObject()));

  for (const register of API_MODULES) register(app, ctx);
  return Promise.resolve();
};
