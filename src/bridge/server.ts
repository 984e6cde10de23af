/**
 * A running call bridge: storage opened and migrated, this node registered in /callBridges, the CMS
 * API served over HTTP and/or HTTPS.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.ts';
import { urlOf, type ListenAddress } from '../shared/listen.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { loadOrCreateTls } from '../shared/tls.ts';
import { failureDetailsXml } from './api/failureDetails.ts';
import { bridgeApi, type ApiCredentials } from './api/plugin.ts';
import { BridgeError, bridgeErrors } from './errors.ts';
import { registerNode } from './api/objects/callBridges.ts';
import { recoverBulkSyncs } from './jobs/coSpaceBulkSync.ts';
import { JobQueue } from './jobs/jobQueue.ts';
import { IDLE_STATUS, SOFTWARE_VERSION, type BridgeContext, type BridgeEvents } from './context.ts';
import { parseUsersFile } from './domain/user.ts';
import { teeCdrSink, type CdrSink } from './cdr/recordBodies.ts';
import { CallService } from './calls/callService.ts';
import { CallEngine, type EngineTiming } from './engine/callEngine.ts';
import type { EndpointBehaviour } from './engine/endpoints.ts';
import { simApi, type SimCredentials } from './sim/plugin.ts';
import { BridgeStorage } from './storage/index.ts';
import { CdrPipeline } from './cdr/cdrPipeline.ts';
import type { CdrDeliveryConfig } from './cdr/pusher.ts';

export interface BridgeConfig {
  readonly database: string;
  readonly dataDir: string;
  readonly credentials: ApiCredentials;
  /** Plain HTTP listener; omitted = none (unless no TLS listener either: then 127.0.0.1:0). */
  readonly listen?: ListenAddress | undefined;
  readonly tlsListen?: ListenAddress | undefined;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  /** This call bridge's name in /callBridges; unique per node of a cluster. */
  readonly name?: string | undefined;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly apiTrace?: boolean;
  /** A JSON users file upserted into /users at start (users come from LDAP on a real CMS). */
  readonly usersFile?: string | undefined;
  /** CDR delivery knobs (batch size, backlog bound, timeouts, backoff); defaults in docs/cdr-delivery.md. */
  readonly cdr?: Partial<CdrDeliveryConfig> | undefined;
  /** Also hands every record the engine emits to this sink (tests observe posts; delivery is unchanged). */
  readonly cdrObserver?: CdrSink | undefined;
  /** The simulator's control API under /sim/v1 (off unless given). */
  readonly sim?: SimConfig | undefined;
  /** Engine timing overrides (tests, demos). */
  readonly engineTiming?: Partial<EngineTiming>;
}

export interface SimConfig {
  readonly credentials: SimCredentials;
  /** Endpoint behaviours loaded at start (`--sim-config FILE`). */
  readonly endpoints?: readonly EndpointBehaviour[];
}

export interface RunningBridge {
  readonly ctx: BridgeContext;
  readonly httpUrl: string | undefined;
  readonly httpsUrl: string | undefined;
  /** The URL clients should use: HTTPS when served, else HTTP. */
  readonly url: string;
  close(): Promise<void>;
}

export function defaultBridgeName(): string {
  return `switchboard-${hostname()}`;
}

/** Upserts the users of a users file (see domain/user.ts for its format). */
export async function loadUsers(storage: BridgeStorage, path: string, logger: Logger): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`users file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const entries = parseUsersFile(json);
  const added = await storage.transaction((stores) => stores.users.upsert(entries));
  logger.info({ usersFile: path, users: entries.length, added }, 'users loaded');
}

export function createBridgeApp(
  ctx: BridgeContext,
  credentials: ApiCredentials,
  https?: { cert: string; key: string },
  apiTrace = true,
  sim?: SimConfig,
): FastifyInstance {
  const app = Fastify({
    logger: false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 256 },
    ...(https ? { https } : {}),
    // Requests the router refuses before any route sees them (an undecodable path, an over-long path
    // segment) still answer in the API's format, not Fastify's JSON.
    frameworkErrors: (error, _request, reply) => {
      const failure = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? bridgeErrors.unrecognizedObject() : new BridgeError(400, ['parameterError'], { name: 'path', error: 'invalidValue' });
      void (reply as FastifyReply).code(failure.status).header('content-type', 'text/xml').send(failureDetailsXml(failure));
    },
    // And so do requests Node's HTTP parser refuses (a request line or headers over 16 KB, garbage).
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const overflow = error.code === 'HPE_HEADER_OVERFLOW';
      const failure = new BridgeError(overflow ? 431 : 400, ['parameterError'], { name: 'request', error: overflow ? 'valueTooLong' : 'invalidValue' });
      const body = failureDetailsXml(failure);
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${failure.status} ${overflow ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  }) as unknown as FastifyInstance;
  void app.register(bridgeApi, { prefix: '/api/v1', ctx, credentials, apiTrace });
  if (sim) void app.register(simApi, { prefix: '/sim/v1', ctx, credentials: sim.credentials });
  return app;
}

export async function startBridge(config: BridgeConfig): Promise<RunningBridge> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? createLogger({ name: 'bridge' });
  const storage = await BridgeStorage.open(config.database);
  const name = config.name ?? defaultBridgeName();
  const apps: FastifyInstance[] = [];
  let pipeline: CdrPipeline | undefined;
  let engine: CallEngine | undefined;
  const jobs = new JobQueue(clock, logger.child({ component: 'jobs' }));
  try {
    if (config.usersFile !== undefined) await loadUsers(storage, config.usersFile, logger);
    // Register first to learn this node's stable id; the address is filled in once we are listening.
    const provisional = await registerNode(storage, name, '', clock.now());
    const cdrPipeline = await CdrPipeline.start({ storage, clock, logger, callBridgeId: provisional.id, config: config.cdr });
    pipeline = cdrPipeline;
    const cdr = config.cdrObserver ? teeCdrSink(cdrPipeline, config.cdrObserver) : cdrPipeline;
    const liveEngine = new CallEngine({ clock, logger, cdr, nodeId: provisional.id, ...(config.engineTiming ? { timing: config.engineTiming } : {}) });
    engine = liveEngine;
    if (config.sim?.endpoints) liveEngine.endpoints.replace(config.sim.endpoints);
    const calls = new CallService({ engine: liveEngine, storage, nodeId: provisional.id });
    const ctx: BridgeContext = {
      storage,
      clock,
      logger,
      node: { id: provisional.id, name, address: '' },
      softwareVersion: SOFTWARE_VERSION,
      startedAtMs: clock.now(),
      events: new EventEmitter<BridgeEvents>(),
      cdr,
      cdrPipeline,
      engine: liveEngine,
      calls,
      jobs,
      liveStatus: () => ({ ...IDLE_STATUS, ...liveEngine.counters(), cdrCorrelatorIndex: cdrPipeline.nextCorrelatorIndex }),
    };
    ctx.events.on('coSpaceDeleted', (coSpaceId) => calls.endCallOfCoSpace(coSpaceId));
    const httpListen = config.listen ?? (config.tlsListen ? undefined : { host: '127.0.0.1', port: 0 });
    let httpUrl: string | undefined;
    let httpsUrl: string | undefined;
    if (httpListen) {
      const app = createBridgeApp(ctx, config.credentials, undefined, config.apiTrace, config.sim);
      apps.push(app);
      await app.listen({ host: httpListen.host, port: httpListen.port });
      httpUrl = urlOf('http', app.server.address());
    }
    if (config.tlsListen) {
      const tls = await loadOrCreateTls({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, dataDir: config.dataDir });
      const app = createBridgeApp(ctx, config.credentials, tls, config.apiTrace, config.sim);
      apps.push(app);
      await app.listen({ host: config.tlsListen.host, port: config.tlsListen.port });
      httpsUrl = urlOf('https', app.server.address());
    }
    const url = httpsUrl ?? httpUrl ?? '';
    await registerNode(storage, name, url, clock.now());
    ctx.node.address = url;
    await recoverBulkSyncs(ctx, ctx.node.id);
    return {
      ctx,
      httpUrl,
      httpsUrl,
      url,
      async close() {
        for (const app of apps) await app.close();
        liveEngine.close();
        await jobs.close();
        // Commits what was emitted; undelivered records wait in the outbox for the next start.
        await cdrPipeline.close();
        await storage.close();
      },
    };
  } catch (error) {
    engine?.close();
    for (const app of apps) await app.close();
    await jobs.close();
    await pipeline?.close();
    await storage.close();
    throw error;
  }
}
