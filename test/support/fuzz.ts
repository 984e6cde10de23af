/**
 * The standing fuzz suite's shared parts (test/fuzz/*.test.ts): run settings, one way to run a
 * property and report a failure so it can be replayed, and the arbitraries every target uses.
 *
 * Settings (environment):
 * - SWITCHBOARD_FUZZ_SEED: the seed of every property (default: a fixed seed per property, so a run
 *   is the same every time);
 * - SWITCHBOARD_FUZZ_RUNS: runs per property (default: the modest count each test names, for CI);
 *   `npm run fuzz` sets it high (scripts/fuzz.mjs);
 * - SWITCHBOARD_FUZZ_PATH: with the seed, replays one counterexample (narrow the run to its test
 *   with --test-name-pattern, since the path belongs to one property; a failure prints the command);
 * - SWITCHBOARD_FUZZ_TIME_LIMIT_MS: stop a property (its shrinking, mostly) after this long; default
 *   120 s in CI runs, none in long runs;
 * - SWITCHBOARD_FUZZ_TRACE=1: every request to stderr before it is sent (to find a hang).
 *
 * A run that has not finished after HANG_MS fails as a hang: the service did not answer.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

const DEFAULT_SEED = 20260513;

/** A run still waiting for its answers after this long is a hang (no request takes near this long). */
export const HANG_MS = 30_000;
const CI_TIME_LIMIT_MS = 120_000;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name}=${raw} is not an integer`);
  return n;
}

/** Runs per property: SWITCHBOARD_FUZZ_RUNS, else `defaultRuns`. */
export function fuzzRuns(defaultRuns: number): number {
  return envInt('SWITCHBOARD_FUZZ_RUNS') ?? defaultRuns;
}

/** True when SWITCHBOARD_FUZZ_RUNS is set (`npm run fuzz`, or a count chosen by hand). */
export function longRun(): boolean {
  return envInt('SWITCHBOARD_FUZZ_RUNS') !== undefined;
}

/** With SWITCHBOARD_FUZZ_TRACE=1, writes what is about to be sent to stderr. */
export function trace(what: string): void {
  if (process.env['SWITCHBOARD_FUZZ_TRACE'] === '1') process.stderr.write(`fuzz: ${what.length > 500 ? `${what.slice(0, 500)}…` : what}\n`);
}

/** The seed of the property named `name`: SWITCHBOARD_FUZZ_SEED as given, else a fixed one per name. */
export function fuzzSeed(name: string): number {
  const given = envInt('SWITCHBOARD_FUZZ_SEED');
  if (given !== undefined) return given;
  return (DEFAULT_SEED + createHash('sha256').update(name).digest().readUInt16BE(0)) | 0;
}

export interface FuzzStats {
  /** How many runs ended in each outcome (e.g. status codes), to show the generator reached both sides. */
  readonly outcomes: Record<string, number>;
  count(outcome: string | number): void;
}

export function fuzzStats(): FuzzStats {
  const outcomes: Record<string, number> = {};
  return {
    outcomes,
    count(outcome) {
      outcomes[String(outcome)] = (outcomes[String(outcome)] ?? 0) + 1;
    },
  };
}

/**
 * Fails unless the runs reached each of `outcomes` (a property that only ever sees refusals proves
 * little). `match` compares an outcome key with a wanted outcome (default: equal). Not checked on a
 * run shorter than the default or on a replay.
 */
export function assertReached(stats: FuzzStats, outcomes: readonly string[], defaultRuns: number, match: (key: string, outcome: string) => boolean = (k, o) => k === o): void {
  const path = process.env['SWITCHBOARD_FUZZ_PATH'];
  if (fuzzRuns(defaultRuns) < defaultRuns || (path !== undefined && path !== '')) return;
  const keys = Object.keys(stats.outcomes);
  const missing = outcomes.filter((o) => !keys.some((k) => match(k, o)));
  if (missing.length > 0) throw new Error(`the generator never reached ${missing.join(', ')}: ${JSON.stringify(stats.outcomes)}`);
}

const MAX_REPORT = 12_000;

/**
 * Runs `property` with the suite's seed and run count. A failure throws an error naming the seed,
 * the path and the (shrunk) counterexample, and how to replay it.
 */
export async function runProperty<Ts>(
  name: string,
  property: fc.IAsyncProperty<Ts>,
  /** `file` and `test` (the test's name) make the replay command. */
  options: { runs: number; file: string; test: string; parameters?: Partial<fc.Parameters<Ts>> },
): Promise<void> {
  const seed = fuzzSeed(name);
  const path = process.env['SWITCHBOARD_FUZZ_PATH'];
  const limit = envInt('SWITCHBOARD_FUZZ_TIME_LIMIT_MS') ?? (longRun() ? undefined : CI_TIME_LIMIT_MS);
  const details = await fc.check(property, {
    seed,
    numRuns: fuzzRuns(options.runs),
    ...(path === undefined || path === '' ? {} : { path }),
    plugins: [fc.timeout(HANG_MS), ...(limit === undefined ? [] : [fc.interruptAfterTimeLimit(limit)])],
    ...options.parameters,
  });
  if (!details.failed) return;
  const error = details.errorInstance;
  const cause = error instanceof Error ? error.message : String(error);
  const replay =
    `replay: SWITCHBOARD_FUZZ_SEED=${details.seed} SWITCHBOARD_FUZZ_PATH='${details.counterexamplePath ?? ''}' ` +
    `npm test -- ${options.file} --test-name-pattern='^${options.test.replace(/[.*+?^${}()|[\]\\']/g, '.')}$'`;
  throw new Error(
    [
      `[fuzz ${name}] seed ${details.seed}, path ${details.counterexamplePath ?? '-'}`,
      replay,
      `failure: ${clip(cause, MAX_REPORT / 2)}`,
      clip(fc.defaultReportMessage(details) ?? 'property failed', MAX_REPORT),
    ].join('\n'),
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

// ---------------------------------------------------------------------------------------------------
// Checks

/** Fails with `message` and the first difference (in context) when `after` is not `before`. */
export function assertUnchanged(before: string, after: string, message: string): void {
  if (before === after) return;
  let i = 0;
  while (i < before.length && i < after.length && before[i] === after[i]) i++;
  const from = Math.max(0, i - 120);
  throw new Error(`${message}\nfirst difference at ${i}:\n  before: ${shown(before.slice(from, i + 200), 400)}\n  after:  ${shown(after.slice(from, i + 200), 400)}`);
}

/** A short, printable form of a request for assertion messages. */
export function shown(text: string, max = 300): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length})` : text);
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/** Characters that break parsers, encoders, databases and wire formats. */
export const ODD_CHARS: readonly string[] = [
  '\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\u000b', '\f', '\r', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f',
  '\u00a0', '\u00e9', '\u00ff', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff',
  'e\u0301', '\u4f1a', '\u0645', '\u{1f389}', '\u{10ffff}', '&', '<', '>', '"', "'", ']]>', '<![CDATA[', '&amp;', '&#0;', '&#x1;', '&#xFFFE;',
  '%', '%00', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '+', '=', ';', '#', '?', '/', '\\', '..', '*', '$index$', '{', '}', ' ',
];

/** Short strings that mean something to some layer. */
export const ODD_VALUES: readonly string[] = [
  '', ' ', '0', '1', '-1', '007', '99999999999999999999', '9007199254740993', '1e3', '1.5', '-0', 'NaN', 'Infinity', 'true', 'FALSE', 'on', 'off',
  'yes', 'null', 'undefined', '__proto__', 'constructor', '[]', '{}', 'a@b.com', '@', 'sip:', 'http://', '00000000-0000-0000-0000-000000000000',
];

/** Text of up to `maxLength` units, drawn from plain ASCII, any code point, or the odd characters. */
export function fuzzText(maxLength = 24): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.oneof(fc.constantFrom(...ODD_CHARS), fc.string({ minLength: 1, maxLength: 1 })), maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength }) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_VALUES) },
  );
}

/** One character repeated past a limit: field limits (255, 1025), body limits (70 000, 300 000). */
export function hugeText(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('a', '9', '\u00e9', '%', '\u{1f389}', '<', '&'), fc.constantFrom(65, 255, 257, 1025, 2049, 5000, 70_000, 300_000))
    .map(([c, n]) => c.repeat(n));
}

/** Names of form fields and JSON members that are not in any table. */
export const ODD_NAMES: readonly string[] = [
  '', ' ', 'bogus', 'n\u00e4me', '\u540d\u524d', 'na me', 'name[]', 'a.b', '1abc', '_', '__proto__', 'constructor', 'prototype', 'toString',
  'hasOwnProperty', '%', '%zz', '%00name', '\u{1f600}', 'x'.repeat(300),
];

/** `name`, or a case variant of it (`NAME`, `nAmE`). */
export function caseVariant(name: string): fc.Arbitrary<string> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(name) }, { weight: 1, arbitrary: fc.mixedCase(fc.constant(name)) });
}

/** encodeURIComponent, except that text it refuses (lone surrogates) goes out as it is. */
export function encodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

export type FormEncoding = 'raw' | 'component' | 'plus';

export function encodeAs(encoding: FormEncoding, text: string): string {
  switch (encoding) {
    case 'raw':
      return text;
    case 'component':
      return encodeComponent(text);
    case 'plus':
      return encodeComponent(text).replace(/%20/g, '+');
  }
}

export interface FormPart {
  readonly name: string;
  readonly value: string;
  /** pair: `n=v`; bare: `n`; emptyName: `=v`; doubleEq: `n==v`; repeated: `n=v&n=v2`. */
  readonly shape: 'pair' | 'bare' | 'emptyName' | 'doubleEq' | 'repeated';
  readonly encoding: FormEncoding;
}

/** An urlencoded body or query string from parts, joined with `&` (or `&&`). */
export function formText(parts: readonly FormPart[], doubled = false): string {
  const out: string[] = [];
  for (const p of parts) {
    const n = encodeAs(p.encoding, p.name);
    const v = encodeAs(p.encoding, p.value);
    switch (p.shape) {
      case 'pair':
        out.push(`${n}=${v}`);
        break;
      case 'bare':
        out.push(n);
        break;
      case 'emptyName':
        out.push(`=${v}`);
        break;
      case 'doubleEq':
        out.push(`${n}==${v}`);
        break;
      case 'repeated':
        out.push(`${n}=${v}`, `${n.toUpperCase()}=${v}x`);
        break;
    }
  }
  return out.join(doubled ? '&&' : '&');
}

/** Form parts whose names come from `names` (mostly) and values from `value(name)`. */
export function formParts(names: readonly string[], value: (name: string) => fc.Arbitrary<string>, maxParts = 6): fc.Arbitrary<FormPart[]> {
  const known = fc.constantFrom(...names).chain((name) => fc.tuple(caseVariant(name), value(name)));
  const odd = fc.tuple(fc.oneof(fc.constantFrom(...ODD_NAMES), fuzzText(12)), fuzzText());
  const part = fc.record({
    nv: fc.oneof({ weight: 6, arbitrary: known }, { weight: 1, arbitrary: odd }),
    shape: fc.oneof(
      { weight: 12, arbitrary: fc.constant('pair' as const) },
      { weight: 1, arbitrary: fc.constantFrom('bare' as const, 'emptyName' as const, 'doubleEq' as const, 'repeated' as const) },
    ),
    encoding: fc.oneof({ weight: 4, arbitrary: fc.constant('component' as const) }, { weight: 1, arbitrary: fc.constantFrom('raw' as const, 'plus' as const) }),
  });
  return fc.array(part, { maxLength: maxParts }).map((list) => list.map(({ nv: [name, v], shape, encoding }) => ({ name, value: v, shape, encoding })));
}

/** Percent-encoding junk to splice into a body or query string. */
export const PERCENT_JUNK: readonly string[] = ['%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE', '%00', '%0D%0A', '%25', '+%2B', '&&&', '==='];
