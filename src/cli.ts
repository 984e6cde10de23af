/**
 * `switchboard bridge|collector|scheduler|up`: each service alone, or all together.
 * Prints `listening on <url>` on stdout once serving, so scripts can start it on port 0.
 */
import { readFile } from 'node:fs/promises';
import { bridgeCommand, defaultBridgeDatabase, type BridgeSettings } from './bridge/config.ts';
import { collectorCommand, defaultCollectorDatabase } from './collector/config.ts';
import { defaultSchedulerDatabase, schedulerCommand, smtpOptions } from './scheduler/config.ts';
import { ConfigError, defaultSource, envSource, flagSource, helpText, parseCommandLine, resolveSettings, type CommandSpec, type OptionSpecs, type SettingsOf } from './shared/config.ts';
import { parseListen } from './shared/listen.ts';
import { maskText } from './shared/logger.ts';
import { tightenDataDir } from './shared/privateFiles.ts';
import { upCommand } from './upConfig.ts';
// Each command loads only its own service's modules (imported when it runs): a collector process
// does not carry the bridge, scheduler and web UI in memory. The option declarations (`*/config.ts`)
// are data only.
import type { SimConfig } from './bridge/server.ts';
import type { SmtpConfig } from './scheduler/bookings/mailer.ts';

const SPECS: readonly CommandSpec[] = [bridgeCommand, collectorCommand, schedulerCommand, upCommand];

const USAGE = [
  'usage: switchboard <command> [options]',
  '',
  'commands:',
  ...SPECS.map((spec) => `  ${spec.name.padEnd(12)}${spec.summary}`),
  '',
  "`switchboard <command> --help` lists the command's options, their defaults and environment variables.",
  'Precedence: a flag, then its environment variable, then the default.',
  '',
].join('\n');

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The API credentials from flags or environment; prints why the service will not start without them. */
function requireCredentials(command: string, settings: { readonly apiUser: string | undefined; readonly apiPassword: string | undefined }, io: Io): { user: string; password: string } | undefined {
  const { apiUser: user, apiPassword: password } = settings;
  if (user === undefined || user === '' || password === undefined || password === '') {
    io.err(
      `switchboard ${command}: no API credentials. Give --api-user and --api-password (or set SWITCHBOARD_API_USER and SWITCHBOARD_API_PASSWORD); it does not run open.`,
    );
    return undefined;
  }
  return { user, password };
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
function prepareDataDir(settings: { readonly data: string | undefined; readonly database: string | undefined }): string {
  const dataDir = settings.data ?? './data';
  if (settings.data !== undefined || settings.database === undefined) tightenDataDir(dataDir);
  return dataDir;
}

/** The plain listener: `--listen`, else `fallback` unless only `--tls-listen` is given. */
function plainListen(settings: { readonly listen: string | undefined; readonly tlsListen: string | undefined }, fallback: string): ReturnType<typeof parseListen> | undefined {
  if (settings.listen !== undefined) return parseListen(settings.listen);
  return settings.tlsListen !== undefined ? undefined : parseListen(fallback);
}

/**
 * Runs a command: `--help` prints its help, a refused value prints why (exit 2); otherwise `run`
 * gets the settings. Unknown flags throw from `parseArgs`, as every other failure to start does.
 */
async function withSettings<D extends OptionSpecs>(spec: CommandSpec<D>, args: string[], io: Io, run: (settings: SettingsOf<D>) => Promise<number>): Promise<number> {
  let line;
  try {
    line = parseCommandLine(spec, args);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`switchboard ${spec.name}: ${error.message}.`);
    return 2;
  }
  if (line.help) {
    io.out(helpText(spec));
    return 0;
  }
  return run(line.settings);
}

function runBridge(args: string[], io: Io): Promise<number> {
  return withSettings(bridgeCommand, args, io, async (settings) => {
    const credentials = requireCredentials('bridge', settings, io);
    if (!credentials) return 2;
    const sim = await simFrom(settings);
    if (typeof sim === 'string') {
      io.err(`switchboard bridge: ${sim}`);
      return 2;
    }
    const dataDir = prepareDataDir(settings);
    const { startBridge } = await import('./bridge/server.ts');
    const bridge = await startBridge({
      database: settings.database ?? defaultBridgeDatabase(dataDir),
      dataDir,
      credentials,
      listen: plainListen(settings, '127.0.0.1:8080'),
      tlsListen: settings.tlsListen !== undefined ? parseListen(settings.tlsListen, '--tls-listen') : undefined,
      tlsCertFile: settings.tlsCert,
      tlsKeyFile: settings.tlsKey,
      name: settings.name,
      usersFile: settings.users,
      sim,
    });
    return serveUntilSignal(io, [bridge.httpUrl, bridge.httpsUrl], () => bridge.close());
  });
}

function runCollector(args: string[], io: Io): Promise<number> {
  return withSettings(collectorCommand, args, io, async (settings) => {
    const credentials = requireCredentials('collector', settings, io);
    if (!credentials) return 2;
    if ((settings.ingestUser === undefined) !== (settings.ingestPassword === undefined)) {
      io.err('switchboard collector: --ingest-user and --ingest-password go together.');
      return 2;
    }
    const dataDir = prepareDataDir(settings);
    const { startCollector } = await import('./collector/server.ts');
    const collector = await startCollector({
      database: settings.database ?? defaultCollectorDatabase(dataDir),
      dataDir,
      credentials,
      ingestAuth: { user: settings.ingestUser, password: settings.ingestPassword, token: settings.ingestToken },
      listen: plainListen(settings, '127.0.0.1:8081'),
      tlsListen: settings.tlsListen !== undefined ? parseListen(settings.tlsListen, '--tls-listen') : undefined,
      tlsCertFile: settings.tlsCert,
      tlsKeyFile: settings.tlsKey,
      retentionDays: settings.retentionDays,
      sqliteSynchronous: settings.sqliteSync === 'full' ? 'FULL' : 'NORMAL',
    });
    return serveUntilSignal(io, [collector.httpUrl, collector.httpsUrl], () => collector.close());
  });
}

type SimSettings = Pick<BridgeSettings, 'sim' | 'simUser' | 'simPassword' | 'simConfig'>;

/** The simulator's settings from `--sim*` flags (or env); a string is the reason they are unusable. */
export async function simConfigFrom(
  values: { sim?: boolean | undefined; 'sim-user'?: string | undefined; 'sim-password'?: string | undefined; 'sim-config'?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<SimConfig | undefined | string> {
  const { sim, simUser, simPassword, simConfig } = bridgeCommand.options;
  let settings: SimSettings;
  try {
    settings = resolveSettings({ sim, simUser, simPassword, simConfig }, [flagSource(values), envSource(env), defaultSource]);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return simFrom(settings);
}

async function simFrom(settings: SimSettings): Promise<SimConfig | undefined | string> {
  const enabled = settings.sim || settings.simConfig !== undefined;
  if (!enabled) return undefined;
  const { simUser: user, simPassword: password } = settings;
  if (user === undefined || user === '' || password === undefined || password === '') {
    return 'the simulator needs its own credentials: give --sim-user and --sim-password (or set SWITCHBOARD_SIM_USER and SWITCHBOARD_SIM_PASSWORD).';
  }
  const file = settings.simConfig;
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

function runUp(args: string[], io: Io): Promise<number> {
  return withSettings(upCommand, args, io, async (settings) => {
    const { startSystem } = await import('./up.ts');
    // Listening for the signal before `listening on` is printed: whoever reads it may send SIGTERM at once.
    const signalled = untilSignal();
    const system = await startSystem({ dataDir: settings.data, listen: parseListen(settings.listen), out: io.out });
    const signal = await signalled;
    io.err(`switchboard up: ${signal}, shutting down`);
    await system.close();
    return 0;
  });
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

type SmtpSettings = SettingsOf<typeof smtpOptions>;

/** SMTP settings from flags or SWITCHBOARD_SMTP_* variables; undefined without a host; a string = the problem. */
export function smtpConfigFrom(
  values: {
    'smtp-host'?: string | undefined;
    'smtp-port'?: string | undefined;
    'smtp-secure'?: boolean | undefined;
    'smtp-user'?: string | undefined;
    'smtp-password'?: string | undefined;
    'smtp-from'?: string | undefined;
  },
  env: NodeJS.ProcessEnv = process.env,
): SmtpConfig | undefined | string {
  try {
    return smtpFrom(resolveSettings(smtpOptions, [flagSource(values), envSource(env), defaultSource]));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

function smtpFrom(settings: SmtpSettings): SmtpConfig | undefined | string {
  const given = (v: string | undefined): string | undefined => (v === '' ? undefined : v);
  const host = given(settings.smtpHost);
  if (host === undefined) return undefined;
  const secure = settings.smtpSecure;
  const port = settings.smtpPort ?? (secure ? 465 : 587);
  const from = given(settings.smtpFrom);
  if (from === undefined) return '--smtp-from (or SWITCHBOARD_SMTP_FROM) is required with --smtp-host: the sender address of invitations';
  const user = given(settings.smtpUser);
  const pass = given(settings.smtpPassword);
  if ((user === undefined) !== (pass === undefined)) return '--smtp-user and --smtp-password (or SWITCHBOARD_SMTP_USER / SWITCHBOARD_SMTP_PASSWORD) go together';
  return { host, port, secure, from, ...(user !== undefined && pass !== undefined ? { auth: { user, pass } } : {}) };
}

function runScheduler(args: string[], io: Io): Promise<number> {
  return withSettings(schedulerCommand, args, io, async (settings) => {
    const smtp = smtpFrom(settings);
    if (typeof smtp === 'string') {
      io.err(`switchboard scheduler: ${smtp}`);
      return 2;
    }
    const credentials = requireCredentials('scheduler', settings, io);
    if (!credentials) return 2;
    const dataDir = prepareDataDir(settings);
    const { startScheduler } = await import('./scheduler/server.ts');
    const scheduler = await startScheduler({
      database: settings.database ?? defaultSchedulerDatabase(dataDir),
      dataDir,
      credentials,
      listen: parseListen(settings.listen ?? '127.0.0.1:8090'),
      smtp,
      runner: { leaseMs: settings.leaseSeconds * 1000 },
    });
    return serveUntilSignal(io, [scheduler.url], () => scheduler.close());
  });
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
    // `switchboard help <command>` is that command's `--help`.
    const topic = command === 'help' ? rest[0] : undefined;
    const spec = SPECS.find((s) => s.name === topic);
    io.out(spec ? helpText(spec) : USAGE);
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
