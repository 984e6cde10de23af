/**
 * A command's options declared once, as data: for each its flag, environment variable, zod type,
 * default and help line. From the declaration come the `node:util` `parseArgs` table, the resolved
 * and validated settings, and the `--help` text.
 *
 * Precedence is the order of the sources, first defined value wins: flag > environment > default.
 * Each source is a `ConfigSource`; a configuration file is one more source between the environment
 * and the defaults, with no change to the declarations.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** What a source gives for one option: text, or `true`/`false` for a switch. */
export type RawValue = string | boolean;

export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** The long flag without its dashes: `listen` for `--listen`. */
  readonly flag: string;
  /** The environment variable read when the flag is not given; an empty value counts as not set. */
  readonly env?: string;
  /** `switch` options take no value (`--sim`); the others take one (`--listen HOST:PORT`). */
  readonly kind?: 'value' | 'switch';
  /** The value's placeholder in the help text. */
  readonly placeholder?: string;
  /** Used when no source gives a value; parsed by the schema like any other value. */
  readonly default?: RawValue;
  /** The help text's "default:" when the default depends on other options (so `default` is unset). */
  readonly defaultText?: string;
  /** One line. */
  readonly help: string;
  /** Parses what a source gives (or `undefined`) into the setting. */
  readonly schema: S;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The resolved settings of a declaration: one property per option, typed by its schema. */
export type SettingsOf<D extends OptionSpecs> = { readonly [K in keyof D]: z.output<D[K]['schema']> };

export interface CommandSpec<D extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  readonly options: D;
  /** Lines added to the help after the options (settings read elsewhere, e.g. an environment-only key). */
  readonly notes?: readonly string[];
}

/** Declares a command; only here so its option types are inferred exactly. */
export function defineCommand<const D extends OptionSpecs>(spec: CommandSpec<D>): CommandSpec<D> {
  return spec;
}

/** A value the declaration refuses; its message names the flag and where the value came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One place settings come from. */
export interface ConfigSource {
  /** How an error names this source for `option` (the flag, the variable, "the default"). */
  origin(option: OptionSpec): string;
  lookup(key: string, option: OptionSpec): RawValue | undefined;
}

/** Flags as `parseArgs` returns them, keyed by flag name. */
export function flagSource(values: Readonly<Record<string, RawValue | undefined>>): ConfigSource {
  return {
    origin: (option) => `--${option.flag}`,
    lookup: (_key, option) => values[option.flag],
  };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** Environment variables; a switch takes 1/true/yes/on or 0/false/no/off. */
export function envSource(env: NodeJS.ProcessEnv): ConfigSource {
  return {
    origin: (option) => option.env ?? '(no variable)',
    lookup: (_key, option) => {
      if (option.env === undefined) return undefined;
      const text = env[option.env];
      if (text === undefined || text === '') return undefined;
      if (option.kind !== 'switch') return text;
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new ConfigError(`--${option.flag} is a switch: ${option.env} takes 1, true, yes, on or 0, false, no, off, not ${JSON.stringify(text)}`);
    },
  };
}

/** The declaration's own defaults. */
export const defaultSource: ConfigSource = {
  origin: () => 'the default',
  lookup: (_key, option) => option.default,
};

/** The settings from `sources` (first defined value wins), each validated by its schema. */
export function resolveSettings<D extends OptionSpecs>(options: D, sources: readonly ConfigSource[]): SettingsOf<D> {
  const settings: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(options)) {
    let raw: RawValue | undefined;
    let from: ConfigSource | undefined;
    for (const source of sources) {
      raw = source.lookup(key, option);
      if (raw !== undefined) {
        from = source;
        break;
      }
    }
    const parsed = option.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'is not valid';
      const given = raw === undefined ? '' : `, not ${JSON.stringify(raw)}`;
      throw new ConfigError(`--${option.flag} ${reason}${given}${from ? ` (from ${from.origin(option)})` : ''}`);
    }
    settings[key] = parsed.data;
  }
  return settings as SettingsOf<D>;
}

export type CommandLine<D extends OptionSpecs> = { readonly help: true } | { readonly help: false; readonly settings: SettingsOf<D> };

/**
 * A command's arguments resolved against its declaration and the environment. Unknown flags and
 * stray arguments are refused by `parseArgs` (a `TypeError` naming them); `--help`/`-h` asks for help.
 */
export function parseCommandLine<D extends OptionSpecs>(spec: CommandSpec<D>, args: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine<D> {
  const table: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const option of Object.values(spec.options)) table[option.flag] = { type: option.kind === 'switch' ? 'boolean' : 'string' };
  const { values } = parseArgs({ args: [...args], options: table, strict: true });
  if (values['help'] === true) return { help: true };
  return { help: false, settings: resolveSettings(spec.options, [flagSource(values), envSource(env), defaultSource]) };
}

/** The `--help` text: every option with its value, help line, default and variable. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.values(spec.options).map((option) => {
    const usage = `--${option.flag}${option.kind === 'switch' ? '' : ` ${option.placeholder ?? 'VALUE'}`}`;
    const fallback = option.defaultText ?? (option.default === undefined ? 'none' : String(option.default));
    const where = [`default: ${fallback}`, ...(option.env === undefined ? [] : [`env: ${option.env}`])].join('; ');
    return { usage, lines: [option.help, where] };
  });
  rows.push({ usage: '-h, --help', lines: ['this help'] });
  const width = Math.max(...rows.map((r) => r.usage.length)) + 2;
  const out = [`usage: switchboard ${spec.name} [options]`, '', spec.summary, '', 'options:'];
  for (const row of rows) {
    const [first, ...more] = row.lines;
    out.push(`  ${row.usage.padEnd(width)}${first ?? ''}`);
    for (const line of more) out.push(`  ${' '.repeat(width)}${line}`);
  }
  if (spec.notes !== undefined && spec.notes.length > 0) out.push('', ...spec.notes);
  return out.join('\n');
}

// Schemas shared by the declarations. Each message reads after the flag: "--x <message>, not "v"".

/** Any text; `undefined` when not given. */
export const optionalText = z.string().optional();

/** A switch: `true` when given (or set in the environment), `false` otherwise. */
export const switchSchema = z.boolean().optional().transform((v) => v === true);

/** A whole number in `[min, max]`; `message` is what the flag takes. */
export function wholeNumber(min: number, max: number, message: string): z.ZodType<number, RawValue> {
  return z
    .string({ error: message })
    .regex(/^\d+$/, { error: message })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: message }).max(max, { error: message }));
}

/** One of `words`, whatever the case; the setting is the word as declared. */
export function oneOf<const W extends readonly [string, ...string[]]>(words: W, message: string): z.ZodType<W[number], RawValue> {
  return z
    .string({ error: message })
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(words, { error: message }));
}

/** `HOST:PORT` as text, kept as given: the command parses it (`parseListen`) when it starts. */
export const listenText = optionalText;

/**
 * The options every service command takes: its listener, database, API credentials (the shared
 * `SWITCHBOARD_API_USER` / `SWITCHBOARD_API_PASSWORD`) and data directory.
 */
export function serviceOptions(service: string, defaults: { readonly listen: string; readonly listenHelp: string; readonly databaseFile: string; readonly databaseKinds: string }) {
  const prefix = `SWITCHBOARD_${service.toUpperCase()}`;
  return {
    listen: { flag: 'listen', env: `${prefix}_LISTEN`, placeholder: 'HOST:PORT', defaultText: defaults.listen, help: defaults.listenHelp, schema: listenText },
    database: {
      flag: 'database',
      env: `${prefix}_DATABASE`,
      placeholder: 'URL',
      defaultText: `sqlite:DIR/${defaults.databaseFile} (DIR from --data)`,
      help: `sqlite:PATH, ${defaults.databaseKinds}`,
      schema: optionalText,
    },
    apiUser: { flag: 'api-user', env: 'SWITCHBOARD_API_USER', placeholder: 'USER', help: 'API user (required, with --api-password)', schema: optionalText },
    apiPassword: { flag: 'api-password', env: 'SWITCHBOARD_API_PASSWORD', placeholder: 'PASS', help: 'API password (better given in the environment)', schema: optionalText },
    data: { flag: 'data', env: `${prefix}_DATA`, placeholder: 'DIR', defaultText: './data', help: 'data directory (made 0700, its files 0600)', schema: optionalText },
  } as const satisfies OptionSpecs;
}

/** The HTTPS listener of a service that has one. */
export function tlsOptions(service: string) {
  const prefix = `SWITCHBOARD_${service.toUpperCase()}`;
  return {
    tlsListen: {
      flag: 'tls-listen',
      env: `${prefix}_TLS_LISTEN`,
      placeholder: 'HOST:PORT',
      help: 'HTTPS listener (self-signed certificate kept in the data directory unless --tls-cert/--tls-key)',
      schema: listenText,
    },
    tlsCert: { flag: 'tls-cert', env: `${prefix}_TLS_CERT`, placeholder: 'FILE', help: 'certificate (PEM) for the HTTPS listener', schema: optionalText },
    tlsKey: { flag: 'tls-key', env: `${prefix}_TLS_KEY`, placeholder: 'FILE', help: 'its private key (PEM)', schema: optionalText },
  } as const satisfies OptionSpecs;
}

/** A line of help about a variable read outside the declarations. */
export const LOG_LEVEL_NOTE = 'SWITCHBOARD_LOG_LEVEL     log level (pino: fatal, error, warn, info, debug, trace; default info)';
