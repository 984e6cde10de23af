/**
 * `switchboard up`: the whole system in one process on embedded SQLite under one data directory —
 * bridge (`bridge.db`), collector (`collector.db`) and scheduler (`scheduler.db`), each on its own
 * loopback port and talking to each other only through their wire protocols, and the web UI on the
 * `--listen` address. The first run creates what is needed (admin user, certificate, API credentials,
 * registrations); later runs reuse it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EndpointBehaviour } from './bridge/engine/endpoints.ts';
import { startBridge, type RunningBridge } from './bridge/server.ts';
import { startCollector, type RunningCollector } from './collector/server.ts';
import { startScheduler, type RunningScheduler } from './scheduler/server.ts';
import { defaultBridgeDatabase } from './bridge/config.ts';
import { defaultCollectorDatabase } from './collector/config.ts';
import { defaultSchedulerDatabase } from './scheduler/config.ts';
import { HttpTransport, type TransportResponse } from './shared/http/transport.ts';
import { bookingsPart } from './web/bookings/pages.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { newSecret } from './shared/ids.ts';
import { urlOf, type ListenAddress } from './shared/listen.ts';
import { createLogger, maskText, type Logger } from './shared/logger.ts';
import { tightenDataDir, tightenFile, writePrivateFile } from './shared/privateFiles.ts';
import { Accounts } from './web/auth/accounts.ts';
import { generatePassword } from './web/auth/password.ts';
import type { CmsClient } from './clients/cms/client.ts';
import { attrOf, listOf } from './clients/cms/xml.ts';
import { bridgeClient, text } from './web/bridges/bridgeClient.ts';
import { livePart } from './web/bridges/live.ts';
import { bridgesPart, type BridgeConnection, type ReceiverDelivery } from './web/bridges/pages.ts';
import { schedulerBridgeSection } from './web/bridges/schedulerSection.ts';
import { schedulerBookingsBackend, schedulerManagedBridges } from './webPorts.ts';
import { webUi } from './web/plugin.ts';
import { PageRegistry } from './web/registry.ts';
import { CollectorApi } from './web/reports/collectorApi.ts';
import { reportsPart } from './web/reports/pages.ts';
import { WebStorage } from './web/storage/index.ts';

export interface UpOptions {
  readonly dataDir: string;
  readonly listen: ListenAddress;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where the URLs and the first admin password go (stdout in the CLI). */
  readonly out: (line: string) => void;
}

export interface RunningSystem {
  readonly webUrl: string;
  readonly bridge: RunningBridge;
  readonly collector: RunningCollector;
  readonly scheduler: RunningScheduler;
  /** The collector's query API base (`http://127.0.0.1:PORT`) and its credentials. */
  readonly collectorApi: { readonly baseUrl: string; readonly user: string; readonly password: string };
  /** The bridge's CMS API base (`https://127.0.0.1:PORT`) and the credentials `up` gave it. */
  readonly bridgeApi: { readonly baseUrl: string; readonly user: string; readonly password: string };
  /** Set on the first run only: the generated admin password (also printed once). */
  readonly firstAdminPassword: string | undefined;
  close(): Promise<void>;
}

/** Secrets `up` generates once and keeps in the data directory (mode 0600). */
interface UpSecrets {
  readonly bridgeApi: { readonly user: string; readonly password: string };
  readonly simulator: { readonly user: string; readonly password: string };
  readonly collectorApi: { readonly user: string; readonly password: string };
  readonly schedulerApi: { readonly user: string; readonly password: string };
  /** Required on CDR posts (`?token=`): only our bridge feeds the collector. */
  readonly collectorIngestToken: string;
}

/**
 * The simulator's demo endpoints: dial-outs to these answer like real systems would, so a booking
 * with them as participants goes live with everyone connected. Anything else answers after 1 s.
 */
export const DEMO_ENDPOINTS: readonly EndpointBehaviour[] = [
  { pattern: 'busy@*', outcome: 'busy' },
  { pattern: 'noanswer@*', outcome: 'noAnswer' },
  { pattern: 'reject@*', outcome: 'reject' },
  { pattern: '*@unknown.example', outcome: 'dnsFailure' },
  { pattern: '*', outcome: 'answer', answerAfterMs: 1500 },
];

export const LOCAL_BRIDGE_NAME = 'switchboard-local';
/** The path our bridge posts CDRs to on the collector (any path is a receiver; this one is ours). */
export const CDR_RECEIVER_PATH = '/cdr/switchboard-up';
/** What `up` gives the bridge in the scheduler: a domain and a conference-ID range of 100 spaces. */
export const LOCAL_DOMAIN = 'switchboard.local';
export const CONFERENCE_ID_RANGE = { start: 7000, end: 7099 } as const;

/** A JSON request to the scheduler's own API over HTTP (how `up` registers the bridge, like an operator would). */
async function schedulerCall(baseUrl: string, auth: { user: string; password: string }, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<unknown> {
  const http = new HttpTransport({ baseUrl, credentials: auth, headersTimeoutMs: 300_000, bodyTimeoutMs: 300_000 });
  let res: TransportResponse;
  try {
    res = await http.request({ method, path: `/api/v1${path}`, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  } finally {
    await http.close();
  }
  const text = res.body;
  if (res.status >= 300) throw new Error(`scheduler ${method} ${path} answered ${res.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

const LOOPBACK: ListenAddress = { host: '127.0.0.1', port: 0 };

async function loadOrCreateSecrets(dataDir: string): Promise<UpSecrets> {
  const path = join(dataDir, 'secrets.json');
  tightenFile(path);
  const stored = existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Partial<UpSecrets>) : {};
  const secrets: UpSecrets = {
    bridgeApi: stored.bridgeApi ?? { user: 'switchboard', password: newSecret() },
    simulator: stored.simulator ?? { user: 'simulator', password: newSecret() },
    collectorApi: stored.collectorApi ?? { user: 'reports', password: newSecret() },
    collectorIngestToken: stored.collectorIngestToken ?? newSecret(),
    schedulerApi: stored.schedulerApi ?? { user: 'scheduler', password: newSecret() },
  };
  if (stored.bridgeApi && stored.simulator && stored.collectorApi && stored.collectorIngestToken !== undefined && stored.schedulerApi) return secrets;
  writePrivateFile(path, `${JSON.stringify(secrets, null, 2)}\n`);
  return secrets;
}

/**
 * The loopback ports the services got on the first run, kept so that addresses stored by one service
 * about another (the bridge's address in the scheduler, the collector's URI in the bridge) stay valid.
 */
type Ports = Partial<Record<'bridge' | 'collector' | 'scheduler', number>>;

async function loadPorts(dataDir: string): Promise<Ports> {
  const path = join(dataDir, 'ports.json');
  tightenFile(path);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Ports) : {};
}

function savePorts(dataDir: string, ports: Ports): void {
  writePrivateFile(join(dataDir, 'ports.json'), `${JSON.stringify(ports, null, 2)}\n`);
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** What every provisioning step shares; `closers` collects what to close, in reverse, on the way out. */
interface Provisioning {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secrets: UpSecrets;
  /** The loopback ports kept from the first run; each step records the port its service got. */
  readonly ports: Ports;
  readonly closers: Array<() => Promise<void>>;
}

/** The collector: CDR receiver and query API on a loopback port, and the web UI's client of it. */
async function startLocalCollector(p: Provisioning): Promise<{ collector: RunningCollector; collectorApi: RunningSystem['collectorApi']; reports: CollectorApi }> {
  const collector = await startCollector({
    database: defaultCollectorDatabase(p.dataDir),
    dataDir: p.dataDir,
    credentials: p.secrets.collectorApi,
    ingestAuth: { token: p.secrets.collectorIngestToken },
    listen: { ...LOOPBACK, port: p.ports.collector ?? 0 },
    clock: p.clock,
    logger: p.logger.child({ service: 'collector' }),
  });
  p.closers.push(() => collector.close());
  p.ports.collector = portOf(collector.url);
  const collectorApi = { baseUrl: collector.url, ...p.secrets.collectorApi };
  const reports = new CollectorApi(collectorApi);
  p.closers.push(() => reports.close());
  return { collector, collectorApi, reports };
}

/** The bridge: CMS API over HTTPS on a loopback port (self-signed certificate kept in the data directory), the simulator on. */
async function startLocalBridge(p: Provisioning): Promise<{ bridge: RunningBridge; bridgeApi: RunningSystem['bridgeApi']; cms: CmsClient }> {
  const bridge = await startBridge({
    database: defaultBridgeDatabase(p.dataDir),
    dataDir: p.dataDir,
    credentials: p.secrets.bridgeApi,
    tlsListen: { ...LOOPBACK, port: p.ports.bridge ?? 0 },
    name: LOCAL_BRIDGE_NAME,
    sim: { credentials: p.secrets.simulator, endpoints: DEMO_ENDPOINTS },
    clock: p.clock,
    logger: p.logger.child({ service: 'bridge' }),
    apiTrace: false,
  });
  p.closers.push(() => bridge.close());
  p.ports.bridge = portOf(bridge.url);
  const bridgeApi = { baseUrl: bridge.url, ...p.secrets.bridgeApi };
  const cms = bridgeClient({ baseUrl: bridge.url, user: p.secrets.bridgeApi.user, password: p.secrets.bridgeApi.password, allowSelfSigned: true }, p.clock);
  p.closers.push(() => cms.close());
  return { bridge, bridgeApi, cms };
}

/** The simulator's endpoints are reachable: one outbound dial plan rule for every destination. */
async function provisionDialPlan(cms: CmsClient): Promise<void> {
  const rules = await cms.listPage('/outboundDialPlanRules', 'outboundDialPlanRule');
  if (rules.total === 0) await cms.create('/outboundDialPlanRules', { domain: '*', priority: '1' });
}

/**
 * The collector is the bridge's CDR receiver, configured through the bridge's CMS API like any
 * receiver; found again on later runs by its path, so it is never added twice.
 */
async function provisionCdrReceiver(cms: CmsClient, collectorUrl: string, ingestToken: string): Promise<void> {
  const receiverUri = `${collectorUrl}${CDR_RECEIVER_PATH}?token=${ingestToken}`;
  const receivers = listOf(await cms.getObject('/system/cdrReceivers'), 'cdrReceiver');
  const ours = receivers.items.find((r) => text(r, 'uri').includes(CDR_RECEIVER_PATH));
  if (!ours) await cms.create('/system/cdrReceivers', { uri: receiverUri });
  else if (text(ours, 'uri') !== receiverUri) await cms.update(`/system/cdrReceivers/${attrOf(ours, 'id') ?? ''}`, { uri: receiverUri });
}

/** The scheduler: JSON API on a loopback port. */
async function startLocalScheduler(p: Provisioning): Promise<RunningScheduler> {
  const scheduler = await startScheduler({
    database: defaultSchedulerDatabase(p.dataDir),
    dataDir: p.dataDir,
    credentials: p.secrets.schedulerApi,
    listen: { ...LOOPBACK, port: p.ports.scheduler ?? 0 },
    clock: p.clock,
    logger: p.logger.child({ service: 'scheduler' }),
  });
  p.closers.push(() => scheduler.close());
  p.ports.scheduler = portOf(scheduler.url);
  return scheduler;
}

/**
 * Our bridge managed by the scheduler: registered through the scheduler's own API over HTTP (add,
 * then name, domain and conference-ID range, which provisions the spaces), once.
 */
async function registerBridge(schedulerUrl: string, bridgeUrl: string, secrets: UpSecrets): Promise<void> {
  type Managed = { id: string; address: string; provisioning: { state: string } };
  const managed = (await schedulerCall(schedulerUrl, secrets.schedulerApi, 'GET', '/bridges')) as Managed[];
  let entry = managed.find((m) => m.address.replace(/\/+$/, '') === bridgeUrl);
  if (!entry) {
    entry = (await schedulerCall(schedulerUrl, secrets.schedulerApi, 'POST', '/bridges', {
      address: bridgeUrl,
      username: secrets.bridgeApi.user,
      password: secrets.bridgeApi.password,
      allowSelfSigned: true,
    })) as Managed;
  }
  if (entry.provisioning.state !== 'provisioned') {
    await schedulerCall(schedulerUrl, secrets.schedulerApi, 'PATCH', `/bridges/${entry.id}`, { name: LOCAL_BRIDGE_NAME, domain: LOCAL_DOMAIN, conferenceIdRange: CONFERENCE_ID_RANGE });
  }
}

/**
 * The web UI's users and sessions, in the scheduler's database (the operators' service); on the
 * first run an `admin` with a generated password.
 */
async function openWebAccounts(p: Provisioning): Promise<{ webStorage: WebStorage; firstAdminPassword: string | undefined }> {
  const webStorage = await WebStorage.open(defaultSchedulerDatabase(p.dataDir));
  p.closers.push(() => webStorage.close());
  const accounts = new Accounts(webStorage, () => p.clock.now());
  if ((await accounts.count()) > 0) return { webStorage, firstAdminPassword: undefined };
  const firstAdminPassword = generatePassword();
  await accounts.create({ username: 'admin', password: firstAdminPassword, role: 'admin' });
  return { webStorage, firstAdminPassword };
}

/** The web UI's pages: our bridge (status, CDR delivery, live calls), bookings and reports. */
function webPages(bridge: RunningBridge, cms: CmsClient, scheduler: RunningScheduler, reports: CollectorApi, clock: Clock): PageRegistry {
  const registry = new PageRegistry();
  const pipeline = bridge.ctx.cdrPipeline;
  const deliveryStatus = (): ReceiverDelivery[] => {
    const alarms = pipeline.alarms();
    return pipeline.deliveryStatus().map((d) => {
      const alarm = alarms.find((a) => a.receiverId === d.id);
      return { id: d.id, delivered: d.delivered, backlog: d.backlog, ...(alarm ? { failing: alarm.failureReason } : {}) };
    });
  };
  const bridges: BridgeConnection[] = [{ key: 'local', label: `This system's bridge (${LOCAL_BRIDGE_NAME})`, api: cms, deliveryStatus }];
  registry.add(bridgesPart(bridges, [schedulerBridgeSection(schedulerManagedBridges(scheduler.bridges))]));
  registry.add(livePart(bridges));
  registry.add(bookingsPart(schedulerBookingsBackend(scheduler, clock)));
  registry.add(reportsPart(reports));
  return registry;
}

/** The web UI on the `--listen` address; its URL. */
async function startWebUi(p: Provisioning, webStorage: WebStorage, registry: PageRegistry, listen: ListenAddress): Promise<string> {
  const web: FastifyInstance = Fastify({ logger: false });
  await web.register(webUi, { storage: webStorage, registry, logger: p.logger.child({ service: 'web' }), clock: p.clock });
  p.closers.push(() => web.close());
  await web.listen({ host: listen.host, port: listen.port });
  return urlOf('http', web.server.address());
}

export async function startSystem(options: UpOptions): Promise<RunningSystem> {
  const logger = options.logger ?? createLogger({ name: 'switchboard' });
  // What is printed goes through the log's masking too: no line carries a secret inside a URI.
  const out = (line: string): void => options.out(maskText(line));
  const dataDir = resolve(options.dataDir);
  // The owner's only: 0700, every file in it 0600 (src/shared/privateFiles.ts), whatever the umask.
  tightenDataDir(dataDir);
  const p: Provisioning = {
    dataDir,
    clock: options.clock ?? systemClock,
    logger,
    secrets: await loadOrCreateSecrets(dataDir),
    ports: await loadPorts(dataDir),
    closers: [],
  };
  const closeAll = async (): Promise<void> => {
    for (const close of p.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'error while shutting down');
      }
    }
  };

  try {
    const { collector, collectorApi, reports } = await startLocalCollector(p);
    const { bridge, bridgeApi, cms } = await startLocalBridge(p);
    await provisionDialPlan(cms);
    await provisionCdrReceiver(cms, collector.url, p.secrets.collectorIngestToken);
    const scheduler = await startLocalScheduler(p);
    await registerBridge(scheduler.url, bridge.url, p.secrets);
    const { webStorage, firstAdminPassword } = await openWebAccounts(p);
    const registry = webPages(bridge, cms, scheduler, reports, p.clock);
    savePorts(dataDir, p.ports);
    const webUrl = await startWebUi(p, webStorage, registry, options.listen);

    out(`bridge API   ${bridge.url}/api/v1`);
    out(`simulator    ${bridge.url}/sim/v1`);
    out(`collector    ${collector.url}/api/v1`);
    out(`scheduler    ${scheduler.url}/api/v1`);
    if (firstAdminPassword !== undefined) {
      out(`first run: web UI user "admin", password ${firstAdminPassword} (shown only this once; change it under Users)`);
    }
    out(`listening on ${webUrl}`);
    return { webUrl, bridge, bridgeApi, collector, collectorApi, scheduler, firstAdminPassword, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
