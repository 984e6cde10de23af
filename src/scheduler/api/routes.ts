/**
 * The scheduler's JSON API under /api/v1: HTTP Basic auth, zod-validated bodies, one error handler
 * that writes the catalogue's errors as `{ error: { code, message, details } }`.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkBasicAuth } from '../../shared/http/basicAuth.ts';
import { createErrorHandler } from '../../shared/http/errorHandler.ts';
import type { Logger } from '../../shared/logger.ts';
import type { BridgeManager } from '../bridges/manager.ts';
import { SchedulerError, schedulerErrors } from '../errors.ts';
import type { BookingService } from '../service/bookings.ts';
import type { CalendarService } from '../service/calendar.ts';
import { sendBookings } from './jsonStream.ts';
import { openApiDocument } from './openapi.ts';

/**
 * Request body limits: a booking (500 participants with long URIs, names and addresses, plus overrides)
 * may take up to 1 MiB; every other body (bridge settings, extend) fits in the server's default,
 * SCHEDULER_BODY_LIMIT. Larger bodies are refused with 413 before they are read in full.
 */
export const BOOKING_BODY_LIMIT = 1_048_576;
export const SCHEDULER_BODY_LIMIT = 65_536;

export interface SchedulerApiOptions {
  readonly credentials: { readonly user: string; readonly password: string };
  readonly bridges: BridgeManager;
  readonly bookings: BookingService;
  readonly calendar: CalendarService;
  readonly logger: Logger;
}

const addBridgeSchema = z.strictObject({
  address: z.string().trim().min(1).max(300),
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(500),
  allowSelfSigned: z.boolean().optional(),
});

const configureBridgeSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  domain: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a domain name')
    .optional(),
  conferenceIdRange: z.strictObject({ start: z.int().min(1).max(999_999_999), end: z.int().min(1).max(999_999_999) }).optional(),
  username: z.string().min(1).max(200).optional(),
  password: z.string().min(1).max(500).optional(),
  allowSelfSigned: z.boolean().optional(),
  alternate: z
    .strictObject({ address: z.string().trim().min(1).max(300), username: z.string().min(1).max(200), password: z.string().min(1).max(500), allowSelfSigned: z.boolean().optional() })
    .nullable()
    .optional(),
});

const extendSchema = z.strictObject({ minutes: z.int().min(1).max(720) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw schedulerErrors.validation(result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return result.data;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? '';
}

function occurrenceParam(request: FastifyRequest): number {
  const raw = param(request, 'n');
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw schedulerErrors.badRequest(`occurrence "${raw}" is not a positive integer`);
  return Number(raw);
}

export const schedulerApi: FastifyPluginAsync<SchedulerApiOptions> = (app: FastifyInstance, options) => {
  const { bridges, bookings, calendar, credentials } = options;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.split('?')[0] === '/api/v1/openapi.json') return;
    if (!checkBasicAuth(request.headers.authorization, credentials)) {
      await reply.code(401).header('www-authenticate', 'Basic realm="switchboard-scheduler"').send(schedulerErrors.unauthorized().toJSON());
    }
  });

  app.setErrorHandler(
    createErrorHandler({
      logger: options.logger,
      logMessage: 'unexpected scheduler API failure',
      owns: (error): error is SchedulerError => error instanceof SchedulerError,
      // Fastify's status is kept (413, 415, 400), with the catalogue's `badRequest` code.
      fromFramework: (failure) => new SchedulerError(failure.status, 'badRequest', failure.message),
      internal: schedulerErrors.internal,
      send: (error, _request, reply) => reply.code(error.status).send(error.toJSON()),
    }),
  );
  app.setNotFoundHandler((request, reply) => reply.code(404).send(schedulerErrors.notFound('path', request.url).toJSON()));

  app.get('/openapi.json', () => openApiDocument);

  app.get('/bridges', () => bridges.list());
  app.post('/bridges', async (request, reply) => {
    const view = await bridges.add(stripUndefined(parse(addBridgeSchema, request.body)));
    return reply.code(201).header('location', `/api/v1/bridges/${view.id}`).send(view);
  });
  app.get('/bridges/:id', (request) => bridges.getView(param(request, 'id')));
  app.patch('/bridges/:id', (request) => {
    const body = parse(configureBridgeSchema, request.body);
    return bridges.configure(param(request, 'id'), stripUndefined({ ...body, alternate: body.alternate === null ? null : body.alternate && stripUndefined(body.alternate) }));
  });
  app.delete('/bridges/:id', async (request, reply) => {
    await bridges.remove(param(request, 'id'));
    return reply.code(204).send();
  });
  app.post('/bridges/:id/provision', (request) => bridges.reprovision(param(request, 'id')));
  app.get('/bridges/:id/audit', (request) => bridges.audit(param(request, 'id')));

  app.get('/bookings', async (request, reply) => {
    const organizer = (request.query as Record<string, unknown>)['organizer'];
    return sendBookings(reply, 200, await bookings.list(typeof organizer === 'string' ? organizer : undefined));
  });
  app.post('/bookings', { bodyLimit: BOOKING_BODY_LIMIT }, async (request, reply) => {
    const view = await bookings.create(request.body);
    return sendBookings(reply.header('location', `/api/v1/bookings/${view.id}`), 201, view);
  });
  app.get('/bookings/:id', async (request, reply) => {
    const id = param(request, 'id');
    if (id.endsWith('.ics')) {
      const text = await calendar.bookingIcs(id.slice(0, -4));
      return reply.type('text/calendar; charset=utf-8').send(text);
    }
    return sendBookings(reply, 200, await bookings.get(id));
  });
  app.patch('/bookings/:id', { bodyLimit: BOOKING_BODY_LIMIT }, async (request, reply) => sendBookings(reply, 200, await bookings.patch(param(request, 'id'), request.body)));
  app.delete('/bookings/:id', async (request, reply) => {
    await bookings.remove(param(request, 'id'));
    return reply.code(204).send();
  });
  app.get('/bookings/:id/audit', (request) => bookings.audit(param(request, 'id')));
  app.get('/bookings/:id/occurrences/:n', (request) => bookings.occurrence(param(request, 'id'), occurrenceParam(request)));
  app.patch('/bookings/:id/occurrences/:n', { bodyLimit: BOOKING_BODY_LIMIT }, async (request, reply) =>
    sendBookings(reply, 200, await bookings.patchOccurrence(param(request, 'id'), occurrenceParam(request), request.body)),
  );
  app.delete('/bookings/:id/occurrences/:n', async (request, reply) => sendBookings(reply, 200, await bookings.removeOccurrence(param(request, 'id'), occurrenceParam(request))));
  app.post('/bookings/:id/occurrences/:n/extend', (request) =>
    bookings.extend(param(request, 'id'), occurrenceParam(request), parse(extendSchema, request.body).minutes),
  );
  app.post('/bookings/:id/occurrences/:n/end', async (request, reply) => {
    const view = await bookings.endNow(param(request, 'id'), occurrenceParam(request));
    return reply.code(202).send(view);
  });
  app.get('/bookings/:id/occurrences/:n/audit', (request) => bookings.audit(param(request, 'id'), occurrenceParam(request)));

  app.get('/organizers/:email/calendar.ics', async (request, reply) => {
    const text = await calendar.organizerFeed(param(request, 'email'));
    return reply.type('text/calendar; charset=utf-8').send(text);
  });
  return Promise.resolve();
};
