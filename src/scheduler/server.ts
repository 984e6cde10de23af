/**
 * A running scheduler: storage opened and migrated, the bridge manager, booking service and runner
 * wired, the JSON API served over HTTP.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.ts';
import { urlOf, type ListenAddress } from '../shared/listen.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { SCHEDULER_BODY_LIMIT, schedulerApi } from './api/routes.ts';
import { BridgeManager } from './bridges/manager.ts';
import { CmsClients } from './bridges/cmsClients.ts';
import { Runner, type RunnerOptions } from './runner/runner.ts';
import { SecretBox } from './secrets.ts';
import { BookingService } from './service/bookings.ts';
import { CalendarService } from './service/calendar.ts';
import { InvitationService } from './service/invitations.ts';
import { createBookingMailer, type SmtpConfig } from './bookings/mailer.ts';
import type { DialIn } from './bookings/ical.ts';
import { SchedulerStorage } from './storage/index.ts';

export interface SchedulerConfig {
  readonly database: string;
  readonly dataDir: string;
  readonly credentials: { readonly user: string; readonly password: string };
  readonly listen?: ListenAddress | undefined;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Key for stored bridge passwords; default: SWITCHBOARD_SECRET_KEY or the data directory's key file. */
  readonly secrets?: SecretBox;
  readonly runner?: RunnerOptions;
  /** false = the runner does not poll on its own (tests drive it with `runner.runDue()`). Default true. */
  readonly autoRun?: boolean;
  /** CMS client retries per request (default 4 attempts, 500 ms doubling). */
  /** SMTP server for invitation e-mails; without it no e-mail is sent. */
  readonly smtp?: SmtpConfig | undefined;
  readonly cms?: { readonly attempts?: number; readonly backoffMs?: number; readonly timeoutMs?: number; readonly connections?: number };
}

export interface RunningScheduler {
  readonly url: string;
  readonly storage: SchedulerStorage;
  readonly runner: Runner;
  readonly bridges: BridgeManager;
  readonly bookings: BookingService;
  readonly invitations: InvitationService;
  close(): Promise<void>;
}

export async function startScheduler(config: SchedulerConfig): Promise<RunningScheduler> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? createLogger({ name: 'scheduler' });
  const secrets = config.secrets ?? SecretBox.load(config.dataDir);
  if (secrets.source === 'generatedKeyFile') logger.warn({ dataDir: config.dataDir }, 'SWITCHBOARD_SECRET_KEY not set: generated scheduler-secret.key in the data directory');
  const storage = await SchedulerStorage.open(config.database);
  const clients = new CmsClients(secrets, {
    clock,
    ...(config.cms?.attempts === undefined ? {} : { attempts: config.cms.attempts }),
    ...(config.cms?.backoffMs === undefined ? {} : { backoffMs: config.cms.backoffMs }),
    ...(config.cms?.timeoutMs === undefined ? {} : { timeoutMs: config.cms.timeoutMs }),
    ...(config.cms?.connections === undefined ? {} : { connections: config.cms.connections }),
  });
  const runner = new Runner(storage, clients, clock, logger.child({ component: 'runner' }), config.runner);
  const bridges = new BridgeManager(storage, clients, secrets, clock, logger.child({ component: 'bridges' }));
  const mailer = createBookingMailer(config.smtp, logger.child({ component: 'mailer' }));
  if (!mailer.configured) logger.info('SMTP not configured: invitation e-mails are not sent (calendar files stay available under /api/v1/bookings/<id>.ics)');
  const invitations: InvitationService = new InvitationService(mailer, storage, (series): Promise<DialIn | undefined> => calendar.dialIn(series), clock, logger.child({ component: 'invitations' }));
  const bookings = new BookingService(storage, runner, clock, logger.child({ component: 'bookings' }), invitations);
  const calendar = new CalendarService(bookings, storage, clock);
  const app = Fastify({ logger: false, bodyLimit: SCHEDULER_BODY_LIMIT }) as unknown as FastifyInstance;
  void app.register(schedulerApi, { prefix: '/api/v1', credentials: config.credentials, bridges, bookings, calendar, logger });
  try {
    const listen = config.listen ?? { host: '127.0.0.1', port: 0 };
    await app.listen({ host: listen.host, port: listen.port });
  } catch (error) {
    await app.close();
    invitations.close();
    await storage.close();
    throw error;
  }
  if (config.autoRun !== false) runner.start();
  let closing: Promise<void> | undefined;
  return {
    url: urlOf('http', app.server.address()),
    storage,
    runner,
    bridges,
    bookings,
    invitations,
    async close() {
      if (closing) return closing;
      closing = (async () => {
        await app.close();
        await runner.stop();
        await invitations.flush();
        invitations.close();
        await clients.closeAll();
        await storage.close();
      })();
      return closing;
    },
  };
}
