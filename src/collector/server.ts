/**
 * A running CDR collector: storage opened and migrated, the receiver (POST anywhere outside
 * /api/v1) and the query API served over HTTP and/or HTTPS, retention on a schedule.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.ts';
import { createErrorHandler } from '../shared/http/errorHandler.ts';
import { urlOf, type ListenAddress } from '../shared/listen.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { loadOrCreateTls } from '../shared/tls.ts';
import { registerQueryApi, type QueryApiCredentials } from './api/routes.ts';
import { CollectorError, collectorErrors } from './errors.ts';
import { BodyBudget, CDR_BODY_BUDGET, CDR_BODY_LIMIT } from './ingest/limits.ts';
import { CdrIngest } from './ingest/ingestPipeline.ts';
import { registerReceiver, type IngestAuth } from './ingest/receive.ts';
import { XmlValidatorPool } from './ingest/validation.ts';
import { RetentionSchedule } from './retention.ts';
import { CollectorStorage } from './storage/index.ts';

export const API_PREFIX = '/api/v1';

/** The longest a request may take to arrive, headers and body (a CDR post of 1 MiB takes well under a second). */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface CollectorConfig {
  readonly database: string;
  readonly dataDir: string;
  readonly credentials: QueryApiCredentials;
  readonly ingestAuth?: IngestAuth | undefined;
  /** Plain HTTP listener; omitted = none (unless no TLS listener either: then 127.0.0.1:0). */
  readonly listen?: ListenAddress | undefined;
  readonly tlsListen?: ListenAddress | undefined;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  /** Drop records older than this many days; undefined = keep forever. */
  readonly retentionDays?: number | undefined;
  readonly retentionIntervalMs?: number | undefined;
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL' | undefined;
  /**
   * Worker threads checking the XML of large posts the scanner does not take (plain posts need no
   * separate check); default one per core beyond the first (max 2), 0 = inline.
   */
  readonly validatorThreads?: number | undefined;
  /** Postgres: refresh planner statistics after this many stored records (default 100,000). */
  readonly analyzeEvery?: number | undefined;
  /** Largest CDR post accepted (bytes; default `CDR_BODY_LIMIT`, 1 MiB). */
  readonly bodyLimit?: number | undefined;
  /**
   * Bytes of CDR post bodies received, parsed and committed at once (default `CDR_BODY_BUDGET`,
   * 1.5 MiB; at least `bodyLimit`); a post past it is answered 503 with Retry-After.
   */
  readonly bodyBudget?: number | undefined;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface RunningCollector {
  readonly storage: CollectorStorage;
  readonly httpUrl: string | undefined;
  readonly httpsUrl: string | undefined;
  /** HTTPS when served, else HTTP. */
  readonly url: string;
  readonly retention: RetentionSchedule | undefined;
  close(): Promise<void>;
}

function createApp(
  storage: CollectorStorage,
  ingest: CdrIngest,
  budget: BodyBudget,
  config: CollectorConfig,
  clock: Clock,
  logger: Logger,
  https?: { cert: string; key: string },
): FastifyInstance {
  const bodyLimit = config.bodyLimit ?? CDR_BODY_LIMIT;
  const app = Fastify({
    logger: false,
    // The default of routes that set none (the CDR and query API routes set their own).
    bodyLimit,
    keepAliveTimeout: 65_000,
    // A post that takes longer than this to arrive is dropped, and its share of the body budget
    // returned: a sender trickling a body cannot hold the budget (`ingest/limits.ts`).
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  // CDR posts are read as bytes (`ingest/text.ts` decodes them); the query API reads no bodies.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler(
    createErrorHandler({
      logger,
      logMessage: 'collector request failed',
      owns: (error): error is CollectorError => error instanceof CollectorError,
      fromFramework: (failure, reply) => {
        // A body past the limit is not read further.
        if (failure.kind === 'bodyTooLarge') void reply.header('connection', 'close');
        return collectorErrors.badRequest(failure.status, failure.message);
      },
      internal: collectorErrors.internal,
      send: (failure, _request, reply) => reply.code(failure.status).header('content-type', 'application/json').send(JSON.stringify(failure.toJSON())),
    }),
  );
  app.setNotFoundHandler((request, reply) => {
    const failure = collectorErrors.notFound(`${request.method} ${request.url.split('?')[0] ?? ''}`);
    void reply.code(404).header('content-type', 'application/json').send(JSON.stringify(failure.toJSON()));
  });
  registerQueryApi(app, API_PREFIX, { storage, clock, credentials: config.credentials });
  registerReceiver(app, { ingest, clock, logger, auth: config.ingestAuth, apiPrefix: API_PREFIX, bodyLimit, budget });
  return app;
}

export async function startCollector(config: CollectorConfig): Promise<RunningCollector> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? createLogger({ name: 'collector' });
  const storage = await CollectorStorage.open(config.database, {
    sqliteSynchronous: config.sqliteSynchronous ?? 'FULL',
    analyzeEvery: config.analyzeEvery,
    onBackgroundError: (error) => logger.warn({ err: error }, 'collector: refreshing Postgres statistics failed'),
  });
  const ingest = new CdrIngest(storage.ingest, storage.quarantine, new XmlValidatorPool(config.validatorThreads === undefined ? {} : { threads: config.validatorThreads }));
  // One budget for both listeners.
  const budget = new BodyBudget(Math.max(config.bodyBudget ?? CDR_BODY_BUDGET, config.bodyLimit ?? CDR_BODY_LIMIT));
  const apps: FastifyInstance[] = [];
  let retention: RetentionSchedule | undefined;
  try {
    const httpListen = config.listen ?? (config.tlsListen ? undefined : { host: '127.0.0.1', port: 0 });
    let httpUrl: string | undefined;
    let httpsUrl: string | undefined;
    if (httpListen) {
      const app = createApp(storage, ingest, budget, config, clock, logger);
      apps.push(app);
      await app.listen({ host: httpListen.host, port: httpListen.port });
      httpUrl = urlOf('http', app.server.address());
    }
    if (config.tlsListen) {
      const tls = await loadOrCreateTls({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, dataDir: config.dataDir });
      const app = createApp(storage, ingest, budget, config, clock, logger, tls);
      apps.push(app);
      await app.listen({ host: config.tlsListen.host, port: config.tlsListen.port });
      httpsUrl = urlOf('https', app.server.address());
    }
    if (config.retentionDays !== undefined) {
      retention = new RetentionSchedule(storage.reports, clock, logger, config.retentionDays, config.retentionIntervalMs);
      retention.start();
    }
    return {
      storage,
      httpUrl,
      httpsUrl,
      url: httpsUrl ?? httpUrl ?? '',
      retention,
      async close() {
        retention?.stop();
        for (const app of apps) await app.close();
        await ingest.close();
        await storage.close();
      },
    };
  } catch (error) {
    retention?.stop();
    for (const app of apps) await app.close();
    await ingest.close();
    await storage.close();
    throw error;
  }
}

/** The collector's HTTP app over storage of its own, not listening: driven with `app.inject()` (tests). */
export interface CollectorAppHandle {
  readonly app: FastifyInstance;
  readonly storage: CollectorStorage;
  close(): Promise<void>;
}

/** Builds the app `startCollector` serves (receiver and query API), without a listener or retention. */
export async function buildCollectorApp(config: CollectorConfig): Promise<CollectorAppHandle> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? createLogger({ name: 'collector' });
  const storage = await CollectorStorage.open(config.database, {
    sqliteSynchronous: config.sqliteSynchronous ?? 'FULL',
    analyzeEvery: config.analyzeEvery,
    onBackgroundError: (error) => logger.warn({ err: error }, 'collector: refreshing Postgres statistics failed'),
  });
  const ingest = new CdrIngest(storage.ingest, storage.quarantine, new XmlValidatorPool(config.validatorThreads === undefined ? {} : { threads: config.validatorThreads }));
  const budget = new BodyBudget(Math.max(config.bodyBudget ?? CDR_BODY_BUDGET, config.bodyLimit ?? CDR_BODY_LIMIT));
  const app = createApp(storage, ingest, budget, config, clock, logger);
  return {
    app,
    storage,
    async close() {
      await app.close();
      await ingest.close();
      await storage.close();
    },
  };
}
