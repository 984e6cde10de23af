/**
 * A running call bridge: storage opened and migrated, this node registered in /callBridges, the CMS
 * API served over HTTP and/or HTTPS.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.ts';
import { urlOf, type ListenAddress } from '../shared/listen.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { loadOrCreateTls } from '../shared/tls.ts';
import { bridgeApi, type ApiCredentials } from './api/plugin.ts';
import { registerNode } from './api/objects/callBridges.ts';
import { IDLE_STATUS, SOFTWARE_VERSION, type BridgeContext, type BridgeEvents } from './context.ts';
import { parseUsersFile } from './domain/user.ts';
import { BridgeStorage } from './storage/index.ts';

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

export function createBridgeApp(ctx: BridgeContext, credentials: ApiCredentials, https?: { cert: string; key: string }, apiTrace = true): FastifyInstance {
  const app = Fastify({
    logger: false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 256 },
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  void app.register(bridgeApi, { prefix: '/api/v1', ctx, credentials, apiTrace });
  return app;
}

export async function startBridge(config: BridgeConfig): Promise<RunningBridge> {
  const clock = config.clock ?? systemClock;
  const logger = config.logger ?? createLogger({ name: 'bridge' });
  const storage = await BridgeStorage.open(config.database);
  const name = config.name ?? defaultBridgeName();
  const apps: FastifyInstance[] = [];
  try {
    if (config.usersFile !== undefined) await loadUsers(storage, config.usersFile, logger);
    // Register first to learn this node's stable id; the address is filled in once we are listening.
    const provisional = await registerNode(storage, name, '', clock.now());
    const ctx: BridgeContext = {
      storage,
      clock,
      logger,
      node: { id: provisional.id, name, address: '' },
      softwareVersion: SOFTWARE_VERSION,
      startedAtMs: clock.now(),
      events: new EventEmitter<BridgeEvents>(),
      liveStatus: () => IDLE_STATUS,
    };
    const httpListen = config.listen ?? (config.tlsListen ? undefined : { host: '127.0.0.1', port: 0 });
    let httpUrl: string | undefined;
    let httpsUrl: string | undefined;
    if (httpListen) {
      const app = createBridgeApp(ctx, config.credentials, undefined, config.apiTrace);
      apps.push(app);
      await app.listen({ host: httpListen.host, port: httpListen.port });
      httpUrl = urlOf('http', app.server.address());
    }
    if (config.tlsListen) {
      const tls = await loadOrCreateTls({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, dataDir: config.dataDir });
      const app = createBridgeApp(ctx, config.credentials, tls, config.apiTrace);
      apps.push(app);
      await app.listen({ host: config.tlsListen.host, port: config.tlsListen.port });
      httpsUrl = urlOf('https', app.server.address());
    }
    const url = httpsUrl ?? httpUrl ?? '';
    await registerNode(storage, name, url, clock.now());
    ctx.node.address = url;
    return {
      ctx,
      httpUrl,
      httpsUrl,
      url,
      async close() {
        for (const app of apps) await app.close();
        await storage.close();
      },
    };
  } catch (error) {
    for (const app of apps) await app.close();
    await storage.close();
    throw error;
  }
}
