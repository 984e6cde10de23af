/**
 * RRULE (RFC 5545 §3.3.10) parsing for bookings: a strict grammar check of every part (rrule's own
 * parser accepts `COUNT=abc` or `INTERVAL=0`), the booking limits, and the conversion of UNTIL into the
 * floating wall-clock space the rule is expanded in.
 *
 * Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT or UNTIL, BYDAY (with ordinals for
 * MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, WKST. Refused: sub-daily
 * frequencies and BYHOUR/BYMINUTE/BYSECOND (an occurrence starts at the booking's start time).
 *
 * Every walk is bounded (docs/bookings.md, "Bounds"): at most MAX_SERIES_OCCURRENCES occurrences, none
 * later than MAX_SERIES_YEARS after the first, and at most MAX_WALK_STEPS candidate steps. rrule calls
 * back only for dates that match, so a rule matching nothing (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`) would
 * otherwise test every day up to the year 9999 without a callback; the step meter stops it.
 */
import rrulePkg, { type Options } from 'rrule';
import { floatingToInstant, instantToFloating, localToFloating, type LocalDateTime } from './zone.ts';

const { RRule } = rrulePkg;

/** The most occurrences one series may have (MAX_SERIES_YEARS binds first: at most one occurrence a day). */
export const MAX_SERIES_OCCURRENCES = 5000;
export const MAX_INTERVAL = 999;
/**
 * Every occurrence of a series starts at most this many years (wall clock) after its first; open-ended
 * rules end there, rules with COUNT or UNTIL must end by then.
 */
export const MAX_SERIES_YEARS = 10;
/**
 * The most candidate steps (rrule's candidate days plus its periods: two per day for FREQ=DAILY) one walk
 * may take. Walking MAX_SERIES_YEARS + 1 years never needs more (a period reaches at most a year back
 * from the start), so a walk stopped by the meter has passed the horizon.
 */
export const MAX_WALK_STEPS = 2 * 366 * (MAX_SERIES_YEARS + 2);
/**
 * Enough candidate steps for rrule's first period (the day, week, month or year holding the start): a
 * start that is an occurrence is found within them.
 */
export const FIRST_PERIOD_STEPS = 2 * 366 + 2;

export class RecurrenceError extends Error {
  override readonly name = 'RecurrenceError';
}

export interface CompiledRule {
  /** rrule options without dtstart; `until` is floating. */
  readonly options: Partial<Options>;
  /** Floating wall-clock UNTIL (inclusive), when the rule has one. */
  readonly untilFloating: number | undefined;
  readonly count: number | undefined;
  /** The normalized RRULE value (no `RRULE:` prefix), UNTIL as UTC per RFC 5545 when DTSTART has a TZID. */
  readonly text: string;
}

const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';
const list = (item: string): RegExp => new RegExp(`^${item}(?:,${item})*$`);
const signed = (max: number) => (v: string): boolean => /^[+-]?\d{1,3}$/.test(v) && Math.abs(Number(v)) >= 1 && Math.abs(Number(v)) <= max;
const unsigned = (max: number) => (v: string): boolean => /^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= max;

function everyItem(value: string, check: (v: string) => boolean): boolean {
  return value.split(',').every(check);
}

const PART_CHECKS: Readonly<Record<string, (value: string, freq: string) => string | undefined>> = {
  INTERVAL: (v) => (unsigned(MAX_INTERVAL)(v) ? undefined : `INTERVAL must be an integer from 1 to ${MAX_INTERVAL}`),
  COUNT: (v) =>
    /^\d{1,6}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_SERIES_OCCURRENCES
      ? undefined
      : `COUNT must be an integer from 1 to ${MAX_SERIES_OCCURRENCES}`,
  UNTIL: (v) =>
    /^\d{8}(?:T\d{6}Z?)?$/.test(v) ? undefined : 'UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])',
  BYDAY: (v, freq) => {
    if (!list(`[+-]?\\d{0,2}${WEEKDAY}`).test(v)) return 'BYDAY must be a list of weekdays (MO..SU), optionally with an ordinal like 2TU or -1FR';
    const ordinals = v.split(',').map((d) => d.slice(0, -2)).filter((n) => n !== '' && n !== '+' && n !== '-');
    if (ordinals.length > 0 && freq !== 'MONTHLY' && freq !== 'YEARLY') return 'BYDAY ordinals (like 2TU) need FREQ=MONTHLY or FREQ=YEARLY';
    if (!ordinals.every(signed(53))) return 'BYDAY ordinals must be from 1 to 53 or -53 to -1';
    return undefined;
  },
  BYMONTHDAY: (v) => (everyItem(v, signed(31)) ? undefined : 'BYMONTHDAY must list days from 1 to 31 or -31 to -1'),
  BYMONTH: (v) => (everyItem(v, unsigned(12)) ? undefined : 'BYMONTH must list months from 1 to 12'),
  BYYEARDAY: (v) => (everyItem(v, signed(366)) ? undefined : 'BYYEARDAY must list days from 1 to 366 or -366 to -1'),
  BYWEEKNO: (v, freq) =>
    freq !== 'YEARLY'
      ? 'BYWEEKNO needs FREQ=YEARLY'
      : everyItem(v, signed(53))
        ? undefined
        : 'BYWEEKNO must list weeks from 1 to 53 or -53 to -1',
  BYSETPOS: (v) => (everyItem(v, signed(366)) ? undefined : 'BYSETPOS must list positions from 1 to 366 or -366 to -1'),
  WKST: (v) => (new RegExp(`^${WEEKDAY}$`).test(v) ? undefined : 'WKST must be a weekday (MO..SU)'),
};

const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];

function untilToFloating(value: string, timeZone: string): number {
  const y = Number(value.slice(0, 4));
  const mo = Number(value.slice(4, 6));
  const d = Number(value.slice(6, 8));
  if (value.length === 8) {
    // A DATE: the whole day, in the booking's zone.
    return Date.UTC(y, mo - 1, d, 23, 59, 59);
  }
  const floating = Date.UTC(y, mo - 1, d, Number(value.slice(9, 11)), Number(value.slice(11, 13)), Number(value.slice(13, 15)));
  return value.endsWith('Z') ? instantToFloating(floating, timeZone) : floating;
}

function validDate(value: string): boolean {
  const y = Number(value.slice(0, 4));
  const mo = Number(value.slice(4, 6));
  const d = Number(value.slice(6, 8));
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  if (value.length === 8) return true;
  return Number(value.slice(9, 11)) < 24 && Number(value.slice(11, 13)) < 60 && Number(value.slice(13, 15)) < 60;
}

function formatUtc(instant: number): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Parses and checks an RRULE value (with or without the `RRULE:` prefix). Throws RecurrenceError with a
 * message naming the offending part.
 */
export function compileRule(rule: string, timeZone: string): CompiledRule {
  const body = rule.trim().replace(/^RRULE:/i, '');
  if (body === '') throw new RecurrenceError('recurrence rule is empty');
  if (/[\r\n]/.test(body)) throw new RecurrenceError('recurrence must be a single RRULE (no DTSTART, EXDATE or other lines)');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new RecurrenceError(`malformed RRULE part '${part}' (expected NAME=VALUE)`);
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim().toUpperCase();
    if (parts.has(name)) throw new RecurrenceError(`RRULE part ${name} appears twice`);
    parts.set(name, value);
  }
  const freq = parts.get('FREQ');
  if (freq === undefined) throw new RecurrenceError('RRULE needs FREQ');
  if (['SECONDLY', 'MINUTELY', 'HOURLY'].includes(freq)) {
    throw new RecurrenceError(`FREQ=${freq} is not supported for bookings (use DAILY, WEEKLY, MONTHLY or YEARLY)`);
  }
  if (!FREQUENCIES.includes(freq)) throw new RecurrenceError(`FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not '${freq}'`);
  for (const [name, value] of parts) {
    if (name === 'FREQ') continue;
    if (['BYHOUR', 'BYMINUTE', 'BYSECOND'].includes(name)) {
      throw new RecurrenceError(`${name} is not supported: every occurrence starts at the booking's start time`);
    }
    const check = PART_CHECKS[name];
    if (check === undefined) throw new RecurrenceError(`unknown RRULE part '${name}'`);
    const problem = check(value, freq);
    if (problem !== undefined) throw new RecurrenceError(problem);
  }
  if (parts.has('COUNT') && parts.has('UNTIL')) throw new RecurrenceError('RRULE must not have both COUNT and UNTIL');
  const until = parts.get('UNTIL');
  if (until !== undefined && !validDate(until)) throw new RecurrenceError(`UNTIL '${until}' is not a valid date`);
  parts.delete('UNTIL');
  let options: Partial<Options>;
  try {
    options = RRule.parseString([...parts].map(([n, v]) => `${n}=${v}`).join(';'));
  } catch (error) {
    throw new RecurrenceError(`invalid RRULE: ${(error as Error).message}`);
  }
  const untilFloating = until === undefined ? undefined : untilToFloating(until, timeZone);
  if (untilFloating !== undefined) options.until = new Date(untilFloating);
  const countText = parts.get('COUNT');
  const textOptions: Partial<Options> = { ...options };
  delete textOptions.until;
  let text = new RRule(textOptions).toString().replace(/^RRULE:/, '');
  if (untilFloating !== undefined) text += `;UNTIL=${formatUtc(floatingToInstant(untilFloating, timeZone))}`;
  return { options, untilFloating, count: countText === undefined ? undefined : Number(countText), text };
}

/** The latest floating start a series starting at `dtstart` may have: the same wall-clock time MAX_SERIES_YEARS later. */
export function horizonEnd(dtstart: LocalDateTime): number {
  return Date.UTC(dtstart.year + MAX_SERIES_YEARS, dtstart.month - 1, dtstart.day, dtstart.hour, dtstart.minute, dtstart.second);
}

export interface RuleWalk {
  /** Floating starts, in order. */
  readonly starts: number[];
  /** The series has no start after these (rule exhausted, limit or horizon reached, steps spent), not just `stop`. */
  readonly ended: boolean;
  /** The rule itself has no occurrence after these (COUNT reached, UNTIL passed): it was not cut short. */
  readonly exhausted: boolean;
  /** Candidate steps rrule took. */
  readonly steps: number;
}

/** Thrown through rrule's iterator to end a walk whose steps are spent (one instance: no stack needed). */
const STEPS_SPENT = new Error('recurrence walk: candidate steps spent');

/**
 * Counts rrule's candidate steps and aborts the walk once `budget` are spent. rrule's iterator reads
 * `options.byeaster` once per candidate day (its day filter) and once per period (its year/month
 * tables); a getter on a copy of the options counts those reads. BYEASTER itself is never set (compileRule
 * refuses unknown parts), so the getter only ever returns null.
 */
function meterSteps(rrule: InstanceType<typeof RRule>, budget: number): { readonly steps: () => number } {
  let steps = 0;
  const options = { ...rrule.options };
  const byeaster = options.byeaster;
  Object.defineProperty(options, 'byeaster', {
    enumerable: true,
    get(): number | null {
      steps++;
      if (steps > budget) throw STEPS_SPENT;
      return byeaster;
    },
  });
  rrule.options = options;
  return { steps: () => steps };
}

/**
 * The floating starts of a rule's occurrences from `dtstart`, in order, walking until `stop` says so
 * (given the next floating start and its 0-based index), `limit` (MAX_SERIES_OCCURRENCES) starts are
 * found, a start would be later than horizonEnd(dtstart), or MAX_WALK_STEPS candidate steps are spent.
 */
export function walkRule(
  compiled: CompiledRule,
  dtstart: LocalDateTime,
  stop: (floating: number, index: number) => boolean,
  limit = MAX_SERIES_OCCURRENCES,
  budget = MAX_WALK_STEPS,
): RuleWalk {
  const rrule = new RRule({ ...compiled.options, dtstart: new Date(localToFloating(dtstart)) });
  const meter = meterSteps(rrule, budget);
  const horizon = horizonEnd(dtstart);
  const starts: number[] = [];
  // Why the walk ended early: `stop` said so, or a bound (limit, horizon, steps) cut it.
  const end = { stopped: false, cut: false };
  try {
    rrule.all((date, index) => {
      const floating = date.getTime();
      if (index >= limit || floating > horizon) {
        end.cut = true;
        return false;
      }
      if (stop(floating, index)) {
        end.stopped = true;
        return false;
      }
      starts.push(floating);
      return true;
    });
  } catch (error) {
    if (error !== STEPS_SPENT) throw error;
    end.cut = true;
  }
  return { starts, ended: !end.stopped, exhausted: !end.stopped && !end.cut, steps: meter.steps() };
}
