/**
 * `switchboard bridge|collector|scheduler|up`: each service alone, or all together.
 * Prints `listening on <url>` on stdout once serving, so scripts can start it on port 0.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseListen } from './shared/listen.ts';
import { maskText } from './shared/logger.ts';
import { tightenDataDir } from './shared/privateFiles.ts';
import { readFile } from 'node:fs/promises';
// Each command loads only its own service's modules (imported when it runs): a collector process
// does not carry the bridge, scheduler and web UI in memory.
import type { SimConfig } from './bridge/server.ts';
import type { SmtpConfig } from './scheduler/bookings/mailer.ts';

const USAGE = `usage: switchboard <command> [options]

commands:
  bridge      a CMS-compatible call bridge (management API under /api/v1)
  collector   a CDR receiver with storage and reports
  scheduler   a TMS-style meeting scheduler
  up          everything together on embedded SQLite (what npm start runs)

bridge options:
  --listen HOST:PORT        plain HTTP listener (default 127.0.0.1:8080; port 0 picks one)
  --tls-listen HOST:PORT    HTTPS listener (self-signed certificate kept in the data directory)
  --tls-cert FILE --tls-key FILE   certificate for the HTTPS listener
  --database URL            sqlite:PATH (default sqlite:./data/bridge.db), sqlite::memory:, postgres://...
  --name NAME               this call bridge's name in /callBridges (unique per cluster node)
  --api-user USER --api-password PASS   API credentials (or SWITCHBOARD_API_USER / SWITCHBOARD_API_PASSWORD)
  --data DIR                data directory (default ./data)
  --users FILE.json         users to serve under /users (upserted at start by userJid), a JSON array of
                            {"userJid", "name"?, "email"?, "authenticationId"?, "userProfile"?, "tenant"?, "cdrTag"?}
  --sim                     serve the simulator's control API under /sim/v1 (JSON; dial-ins, hang-ups,
                            endpoint behaviours, media); off by default
  --sim-user USER --sim-password PASS   its own credentials (or SWITCHBOARD_SIM_USER / SWITCHBOARD_SIM_PASSWORD)
  --sim-config FILE         endpoint behaviours to load at start: {"endpoints": [{"pattern": "busy@*", "outcome": "busy"}, ...]}

collector options:
  --listen HOST:PORT        plain HTTP listener for CDR posts and the query API (default 127.0.0.1:8081)
  --tls-listen HOST:PORT    HTTPS listener (self-signed certificate kept in the data directory)
  --tls-cert FILE --tls-key FILE   certificate for the HTTPS listener
  --database URL            sqlite:PATH (default sqlite:./data/collector.db), postgres://...
  --api-user USER --api-password PASS   query API credentials (or SWITCHBOARD_API_USER / SWITCHBOARD_API_PASSWORD)
  --ingest-user USER --ingest-password PASS   require HTTP Basic auth on CDR posts
  --ingest-token TOKEN      require ?token=TOKEN on the receiver URI (either form is accepted when both are set)
  --retention-days N        drop records older than N days (checked hourly; default: keep)
  --sqlite-sync full|normal SQLite durability of an acknowledged post (default full: survives power loss)
  --data DIR                data directory (default ./data)

scheduler options:
  --listen HOST:PORT        JSON API (default 127.0.0.1:8090; port 0 picks one); OpenAPI at /api/v1/openapi.json
  --database URL            sqlite:PATH (default sqlite:./data/scheduler.db), sqlite::memory:, postgres://...
  --api-user USER --api-password PASS   API credentials (or SWITCHBOARD_API_USER / SWITCHBOARD_API_PASSWORD)
  --data DIR                data directory (default ./data)
  --smtp-host HOST          SMTP server for invitation e-mails (none: no e-mail is sent)
  --smtp-port N             its port (default 587, or 465 with --smtp-secure)
  --smtp-secure             TLS from the start (port 465); otherwise STARTTLS when the server offers it
  --smtp-user U --smtp-password P   SMTP login (the password is better given as SWITCHBOARD_SMTP_PASSWORD)
  --smtp-from ADDRESS       sender of invitations, e.g. "Switchboard <scheduler@example.com>"
                            (each also as SWITCHBOARD_SMTP_HOST/_PORT/_SECURE/_USER/_PASSWORD/_FROM)
  --lease-seconds N         how long a claimed meeting action stays this process's without renewal
                            (default 60): after a crash, the restarted process or another one on the
                            same database takes the action over once its lease has run out
  SWITCHBOARD_SECRET_KEY    32-byte key (hex or base64) sealing stored bridge passwords; without it a key is
                            generated once into DIR/scheduler-secret.key

up options:
  --data DIR                data directory (default ./data): bridge.db, collector.db, scheduler.db,
                            the self-signed certificate and generated API credentials
  --listen HOST:PORT        the web UI (default 127.0.0.1:8080; port 0 picks one)
`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The API credentials from flags or environment; prints why the service will not start without them. */
function requireCredentials(
  command: string,
  values: { 'api-user'?: string | undefined; 'api-password'?: string | undefined },
  io: Io,
): { user: string; password: string } | undefined {
  const credentials = credentialsFrom(values);
  if (!credentials) {
    io.err(
      `switchboard ${command}: no API credentials. Give --api-user and --api-password (or set SWITCHBOARD_API_USER and SWITCHBOARD_API_PASSWORD); it does not run open.`,
    );
  }
  return credentials;
}

/** Prints each bound URL as `listening on <url>`, serves until SIGINT/SIGTERM, then closes. */
async function serveUntilSignal(io: Io, urls: ReadonlyArray<string | undefined>, close: () => Promise<void>): Promise<number> {
  // Listening for the signal before saying so: whoever reads the line may send SIGTERM at once.
  const signalled = untilSignal();
  for (const url of urls) if (url !== undefined) io.out(`listening on ${url}`);
  await signalled;
  await close();
  return 0;
}

/**
 * The data directory of a service, made its owner's only (0700; its files are 0600 where they are
 * created): when `--data` names it, or when it holds the default SQLite database. A `./data` of some
 * other program's beside a service on Postgres is left alone.
 */
function prepareDataDir(values: { data?: string | undefined; database?: string | undefined }): string {
  const dataDir = values.data ?? './data';
  if (values.data !== undefined || values.database === undefined) tightenDataDir(dataDir);
  return dataDir;
}

/** Flags every service command takes. */
const SERVICE_FLAGS = {
  listen: { type: 'string' },
  database: { type: 'string' },
  'api-user': { type: 'string' },
  'api-password': { type: 'string' },
  data: { type: 'string' },
} as const;

/** Flags of services with an HTTPS listener. */
const TLS_FLAGS = {
  'tls-listen': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

function credentialsFrom(values: { 'api-user'?: string | undefined; 'api-password'?: string | undefined }): { user: string; password: string } | undefined {
  const user = values['api-user'] ?? process.env['SWITCHBOARD_API_USER'];
  const password = values['api-password'] ?? process.env['SWITCHBOARD_API_PASSWORD'];
  if (user === undefined || user === '' || password === undefined || password === '') return undefined;
  return { user, password };
}

async function runBridge(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...SERVICE_FLAGS,
      ...TLS_FLAGS,
      name: { type: 'string' },
      users: { type: 'string' },
      sim: { type: 'boolean' },
      'sim-user': { type: 'string' },
      'sim-password': { type: 'string' },
      'sim-config': { type: 'string' },
    },
    strict: true,
  });
  const credentials = requireCredentials('bridge', values, io);
  if (!credentials) return 2;
  const sim = await simConfigFrom(values);
  if (typeof sim === 'string') {
    io.err(`switchboard bridge: ${sim}`);
    return 2;
  }
  const dataDir = prepareDataDir(values);
  const { startBridge } = await import('./bridge/server.ts');
  const bridge = await startBridge({
    database: values.database ?? `sqlite:${join(dataDir, 'bridge.db')}`,
    dataDir,
    credentials,
    listen: values.listen !== undefined ? parseListen(values.listen) : values['tls-listen'] !== undefined ? undefined : parseListen('127.0.0.1:8080'),
    tlsListen: values['tls-listen'] !== undefined ? parseListen(values['tls-listen'], '--tls-listen') : undefined,
    tlsCertFile: values['tls-cert'],
    tlsKeyFile: values['tls-key'],
    name: values.name,
    usersFile: values.users,
    sim,
  });
  return serveUntilSignal(io, [bridge.httpUrl, bridge.httpsUrl], () => bridge.close());
}

async function runCollector(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...SERVICE_FLAGS,
      ...TLS_FLAGS,
      'ingest-user': { type: 'string' },
      'ingest-password': { type: 'string' },
      'ingest-token': { type: 'string' },
      'retention-days': { type: 'string' },
      'sqlite-sync': { type: 'string' },
    },
    strict: true,
  });
  const credentials = requireCredentials('collector', values, io);
  if (!credentials) return 2;
  if ((values['ingest-user'] === undefined) !== (values['ingest-password'] === undefined)) {
    io.err('switchboard collector: --ingest-user and --ingest-password go together.');
    return 2;
  }
  const retentionDays = values['retention-days'] === undefined ? undefined : Number(values['retention-days']);
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
    io.err('switchboard collector: --retention-days takes a whole number of days (1 or more).');
    return 2;
  }
  const sync = values['sqlite-sync']?.toUpperCase();
  if (sync !== undefined && sync !== 'FULL' && sync !== 'NORMAL') {
    io.err('switchboard collector: --sqlite-sync takes full or normal.');
    return 2;
  }
  const dataDir = prepareDataDir(values);
  const { startCollector } = await import('./collector/server.ts');
  const collector = await startCollector({
    database: values.database ?? `sqlite:${join(dataDir, 'collector.db')}`,
    dataDir,
    credentials,
    ingestAuth: { user: values['ingest-user'], password: values['ingest-password'], token: values['ingest-token'] },
    listen: values.listen !== undefined ? parseListen(values.listen) : values['tls-listen'] !== undefined ? undefined : parseListen('127.0.0.1:8081'),
    tlsListen: values['tls-listen'] !== undefined ? parseListen(values['tls-listen'], '--tls-listen') : undefined,
    tlsCertFile: values['tls-cert'],
    tlsKeyFile: values['tls-key'],
    retentionDays,
    sqliteSynchronous: sync,
  });
  return serveUntilSignal(io, [collector.httpUrl, collector.httpsUrl], () => collector.close());
}

/** The simulator's settings from `--sim*` flags (or env); a string is the reason they are unusable. */
export async function simConfigFrom(values: {
  sim?: boolean | undefined;
  'sim-user'?: string | undefined;
  'sim-password'?: string | undefined;
  'sim-config'?: string | undefined;
}): Promise<SimConfig | undefined | string> {
  const enabled = values.sim === true || values['sim-config'] !== undefined;
  if (!enabled) return undefined;
  const user = values['sim-user'] ?? process.env['SWITCHBOARD_SIM_USER'];
  const password = values['sim-password'] ?? process.env['SWITCHBOARD_SIM_PASSWORD'];
  if (user === undefined || user === '' || password === undefined || password === '') {
    return 'the simulator needs its own credentials: give --sim-user and --sim-password (or set SWITCHBOARD_SIM_USER and SWITCHBOARD_SIM_PASSWORD).';
  }
  const file = values['sim-config'];
  if (file === undefined) return { credentials: { user, password } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return `cannot read --sim-config ${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const { simConfigSchema } = await import('./bridge/sim/plugin.ts');
  const config = simConfigSchema.safeParse(parsed);
  if (!config.success) return `--sim-config ${file} is not valid: ${config.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  return { credentials: { user, password }, endpoints: config.data.endpoints };
}

async function runUp(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, listen: { type: 'string' } },
    strict: true,
  });
  const { startSystem } = await import('./up.ts');
  // Listening for the signal before `listening on` is printed: whoever reads it may send SIGTERM at once.
  const signalled = untilSignal();
  const system = await startSystem({
    dataDir: values.data ?? './data',
    listen: parseListen(values.listen ?? '127.0.0.1:8080'),
    out: io.out,
  });
  const signal = await signalled;
  io.err(`switchboard up: ${signal}, shutting down`);
  await system.close();
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM, so services can close cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

interface SmtpValues {
  'smtp-host'?: string | undefined;
  'smtp-port'?: string | undefined;
  'smtp-secure'?: boolean | undefined;
  'smtp-user'?: string | undefined;
  'smtp-password'?: string | undefined;
  'smtp-from'?: string | undefined;
}

/** SMTP settings from flags or SWITCHBOARD_SMTP_* variables; undefined without a host; a string = the problem. */
export function smtpConfigFrom(values: SmtpValues, env: NodeJS.ProcessEnv = process.env): SmtpConfig | undefined | string {
  const pick = (flag: keyof SmtpValues, name: string): string | undefined => {
    const v = values[flag] ?? env[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const host = pick('smtp-host', 'SWITCHBOARD_SMTP_HOST');
  if (host === undefined) return undefined;
  const secure = values['smtp-secure'] ?? ['1', 'true', 'yes'].includes((env['SWITCHBOARD_SMTP_SECURE'] ?? '').toLowerCase());
  const portText = pick('smtp-port', 'SWITCHBOARD_SMTP_PORT') ?? (secure ? '465' : '587');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return `--smtp-port must be a port number (1-65535), not ${JSON.stringify(portText)}`;
  const from = pick('smtp-from', 'SWITCHBOARD_SMTP_FROM');
  if (from === undefined) return '--smtp-from (or SWITCHBOARD_SMTP_FROM) is required with --smtp-host: the sender address of invitations';
  const user = pick('smtp-user', 'SWITCHBOARD_SMTP_USER');
  const pass = pick('smtp-password', 'SWITCHBOARD_SMTP_PASSWORD');
  if ((user === undefined) !== (pass === undefined)) return '--smtp-user and --smtp-password (or SWITCHBOARD_SMTP_USER / SWITCHBOARD_SMTP_PASSWORD) go together';
  return { host, port, secure, from, ...(user !== undefined && pass !== undefined ? { auth: { user, pass } } : {}) };
}

async function runScheduler(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...SERVICE_FLAGS,
      'smtp-host': { type: 'string' },
      'smtp-port': { type: 'string' },
      'smtp-secure': { type: 'boolean' },
      'smtp-user': { type: 'string' },
      'smtp-password': { type: 'string' },
      'smtp-from': { type: 'string' },
      'lease-seconds': { type: 'string' },
    },
    strict: true,
  });
  const leaseSeconds = values['lease-seconds'] === undefined ? undefined : Number(values['lease-seconds']);
  if (leaseSeconds !== undefined && (!Number.isInteger(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > 3600)) {
    io.err('switchboard scheduler: --lease-seconds takes a whole number of seconds (1 to 3600).');
    return 2;
  }
  const smtp = smtpConfigFrom(values);
  if (typeof smtp === 'string') {
    io.err(`switchboard scheduler: ${smtp}`);
    return 2;
  }
  const credentials = requireCredentials('scheduler', values, io);
  if (!credentials) return 2;
  const dataDir = prepareDataDir(values);
  const { startScheduler } = await import('./scheduler/server.ts');
  const scheduler = await startScheduler({
    database: values.database ?? `sqlite:${join(dataDir, 'scheduler.db')}`,
    dataDir,
    credentials,
    listen: parseListen(values.listen ?? '127.0.0.1:8090'),
    smtp,
    ...(leaseSeconds === undefined ? {} : { runner: { leaseMs: leaseSeconds * 1000 } }),
  });
  return serveUntilSignal(io, [scheduler.url], () => scheduler.close());
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  bridge: runBridge,
  collector: runCollector,
  scheduler: runScheduler,
  up: runUp,
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`switchboard: "${command}" is not available. ${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    io.err(maskText(`switchboard ${command}: ${error instanceof Error ? error.message : String(error)}`));
    return 1;
  }
}
