/**
 * The simulator's control API (`/sim/v1`, JSON, its own Basic credentials): what real endpoints would
 * do to a call bridge, driven by tests and demos. Off unless the bridge is started with `--sim`.
 *
 *   POST /sim/v1/dialIns                  an endpoint calls in: {uri | callId, passcode | passcodes,
 *                                          remoteParty, displayName?, userJid?, type?, hangUpAfterMs?, media?}
 *   POST /sim/v1/callLegs/:id/hangUp      the far end of a leg hangs up (remoteTeardown)
 *   PUT  /sim/v1/callLegs/:id/media       the leg's media and alarm conditions (codecs, sizes, packet statistics)
 *   POST /sim/v1/calls/:id/deactivate     the call is deactivated: its legs leave (callDeactivated), it ends
 *   GET|PUT|POST|DELETE /sim/v1/endpoints dial-out behaviours by URI pattern (list, replace, append, clear)
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkBasicAuth } from '../../shared/http/basicAuth.ts';
import { createErrorHandler } from '../../shared/http/errorHandler.ts';
import { SimError, simErrors } from '../errors.ts';
import type { BridgeContext } from '../context.ts';
import { CALL_ID } from '../domain/coSpace.ts';
import { endpointBehaviourSchema, mediaReportSchema } from '../engine/endpoints.ts';

export interface SimCredentials {
  readonly user: string;
  readonly password: string;
}

export interface SimApiOptions {
  readonly ctx: BridgeContext;
  readonly credentials: SimCredentials;
}

export const dialInSchema = z
  .object({
    uri: z.string().min(1).max(512).optional(),
    callId: z.string().regex(CALL_ID).optional(),
    passcode: z.string().max(64).optional(),
    /** Successive attempts (the IVR allows three). */
    passcodes: z.array(z.string().max(64)).max(10).optional(),
    remoteParty: z.string().min(1).max(512),
    displayName: z.string().max(256).optional(),
    userJid: z.string().max(256).optional(),
    type: z.enum(['sip', 'acano']).default('sip'),
    hangUpAfterMs: z.number().int().min(0).max(7 * 24 * 3600 * 1000).optional(),
    media: mediaReportSchema.optional(),
  })
  .strict()
  .refine((d) => (d.uri === undefined) !== (d.callId === undefined), { message: 'give exactly one of uri and callId' });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw simErrors.invalidRequest(z.prettifyError(result.error));
  return result.data;
}

export const simApi: FastifyPluginAsync<SimApiOptions> = (app, options) => {
  const { ctx, credentials } = options;
  const { engine, calls } = ctx;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkBasicAuth(request.headers.authorization, credentials)) {
      await reply.code(401).header('www-authenticate', 'Basic realm="switchboard-sim"').send({ error: 'unauthorized' });
    }
  });

  app.setErrorHandler(
    createErrorHandler({
      logger: ctx.logger,
      logMessage: 'simulator request failed',
      owns: (error): error is SimError => error instanceof SimError,
      fromFramework: (failure) => new SimError(failure.status, 'invalidRequest', failure.message),
      internal: simErrors.internal,
      send: (error, _request, reply) => reply.code(error.status).send({ error: error.message }),
    }),
  );

  app.post('/dialIns', async (request) => {
    const input = parse(dialInSchema, request.body);
    const { leg, end } = await calls.dialIn({
      uri: input.uri,
      callId: input.callId,
      passcodes: input.passcodes ?? (input.passcode === undefined ? [] : [input.passcode]),
      remoteParty: input.remoteParty,
      displayName: input.displayName,
      userJid: input.userJid,
      type: input.type,
      hangUpAfterMs: input.hangUpAfterMs,
      media: input.media,
    });
    return {
      callLeg: leg.id,
      participant: leg.participantId,
      call: leg.callId,
      state: end ? 'ended' : leg.state,
      ...(end ? { reason: end.reason } : {}),
    };
  });

  app.post<{ Params: { id: string } }>('/callLegs/:id/hangUp', (request) => {
    if (!calls.remoteHangUp(request.params.id.toLowerCase())) throw simErrors.notFound('call leg');
    return Promise.resolve({});
  });

  app.put<{ Params: { id: string } }>('/callLegs/:id/media', (request) => {
    const report = parse(mediaReportSchema, request.body);
    if (!calls.setMedia(request.params.id.toLowerCase(), report)) throw simErrors.notFound('call leg');
    return Promise.resolve({});
  });

  app.post<{ Params: { id: string } }>('/calls/:id/deactivate', (request) => {
    if (!calls.deactivateCall(request.params.id.toLowerCase())) throw simErrors.notFound('call');
    return Promise.resolve({});
  });

  app.get('/endpoints', () => Promise.resolve({ endpoints: engine.endpoints.list() }));
  app.put('/endpoints', (request) => {
    const list = parse(z.object({ endpoints: z.array(endpointBehaviourSchema).max(10_000) }).strict(), request.body);
    engine.endpoints.replace(list.endpoints);
    return Promise.resolve({ endpoints: engine.endpoints.list() });
  });
  app.post('/endpoints', (request) => {
    engine.endpoints.add(parse(endpointBehaviourSchema, request.body));
    return Promise.resolve({ endpoints: engine.endpoints.list() });
  });
  app.delete('/endpoints', () => {
    engine.endpoints.replace([]);
    return Promise.resolve({ endpoints: [] });
  });
  return Promise.resolve();
};

/** A `--sim-config FILE` document. */
export const simConfigSchema = z.object({ endpoints: z.array(endpointBehaviourSchema).default([]) }).strict();
