/**
 * Expanding a booking series into occurrences.
 *
 * The rule is expanded in "floating" wall-clock time (rrule never sees a time zone) and each wall-clock
 * start converted to a UTC instant in the series' zone (zone.ts), so a weekly 09:00 Europe/Oslo meeting
 * stays at 09:00 local on both sides of a daylight-saving change while its UTC instant moves by an hour.
 * Each occurrence lasts the exact duration of the first one (RFC 5545 §3.8.5.3: DTEND - DTSTART).
 *
 * Occurrences are numbered by their 1-based ordinal in the unmodified series, so cancelling or moving one
 * never renumbers the others. Overrides (keyed by that ordinal) move, retitle, re-pin, change the
 * participants of, or cancel one occurrence.
 */
import type { BookingSeries, Occurrence, OccurrenceOverride } from './types.ts';
import { compileRule, MAX_SERIES_OCCURRENCES, MAX_SERIES_YEARS, RecurrenceError, walkRule, type CompiledRule } from './rule.ts';
import { floatingToInstant, parseLocal, type LocalDateTime } from './zone.ts';

export { MAX_SERIES_OCCURRENCES, MAX_SERIES_YEARS, RecurrenceError };

/** The most occurrences one expandOccurrences call returns unless told otherwise. */
export const DEFAULT_MAX_OCCURRENCES = MAX_SERIES_OCCURRENCES;

const DAY_MS = 86_400_000;
const YEAR_MS = 366 * DAY_MS;

interface CachedWalk {
  readonly starts: number[];
  readonly ended: boolean;
}

/** Rule walks by (rule, start, zone): far-future windows of long series are cheap after the first walk. */
const walkCache = new Map<string, CachedWalk>();
const WALK_CACHE_SIZE = 500;

const ruleCache = new Map<string, CompiledRule>();

function compiled(rule: string, timeZone: string): CompiledRule {
  const key = `${timeZone}|${rule}`;
  let value = ruleCache.get(key);
  if (value === undefined) {
    value = compileRule(rule, timeZone);
    if (ruleCache.size >= WALK_CACHE_SIZE) ruleCache.clear();
    ruleCache.set(key, value);
  }
  return value;
}

/**
 * Floating starts of the unmodified series, covering every start up to `bound` (floating ms) and at least
 * `ordinals` entries when the series has that many.
 */
function seriesStarts(series: BookingSeries, start: LocalDateTime, bound: number, ordinals: number): CachedWalk {
  if (series.recurrence === undefined || series.recurrence.trim() === '') {
    return { starts: [Date.UTC(start.year, start.month - 1, start.day, start.hour, start.minute, start.second)], ended: true };
  }
  const rule = compiled(series.recurrence, series.timeZone);
  const key = `${series.timeZone}|${series.start}|${series.recurrence}`;
  const cached = walkCache.get(key);
  const covers = (walk: CachedWalk): boolean =>
    walk.ended || ((walk.starts.at(-1) ?? -Infinity) > bound && walk.starts.length >= ordinals);
  if (cached !== undefined && covers(cached)) return cached;
  // Walk a year past what is needed, and at least twice as far as before, so that a sliding window or
  // ordinals asked one after another do not re-walk on every call.
  const target = Math.max(bound, cached?.starts.at(-1) ?? -Infinity) + YEAR_MS;
  const count = Math.max(ordinals, 2 * (cached?.starts.length ?? 0));
  const walk = walkRule(rule, start, (floating, index) => floating > target && index >= count);
  if (walkCache.size >= WALK_CACHE_SIZE) walkCache.delete(walkCache.keys().next().value as string);
  walkCache.set(key, walk);
  return walk;
}

function local(text: string, what: string, series: BookingSeries): LocalDateTime {
  const parsed = parseLocal(text);
  if (parsed === undefined) throw new RecurrenceError(`booking ${series.id}: ${what} '${text}' is not a local date-time`);
  return parsed;
}

function instant(text: string, what: string, series: BookingSeries): number {
  const l = local(text, what, series);
  return floatingToInstant(Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second), series.timeZone);
}

function makeOccurrence(
  series: BookingSeries,
  ordinal: number,
  startMs: number,
  endMs: number,
  override: OccurrenceOverride | undefined,
): Occurrence {
  const pin = override?.pin === undefined ? series.pin : (override.pin ?? undefined);
  return {
    bookingId: series.id,
    occurrence: ordinal,
    startMs,
    endMs,
    title: override?.title ?? series.title,
    participants: override?.participants ?? series.participants,
    pin,
    type: series.type,
    bridge: series.bridge,
  };
}

function isMove(override: OccurrenceOverride): boolean {
  return override.start !== undefined || override.end !== undefined;
}

interface SeriesGeometry {
  /** Instants of the first occurrence. */
  readonly firstStartMs: number;
  readonly durationMs: number;
  readonly overrides: ReadonlyMap<number, OccurrenceOverride>;
}

/** Geometry per series object: the .ics asks for every overridden occurrence of one series in turn. */
const geometries = new WeakMap<BookingSeries, SeriesGeometry>();

function geometry(series: BookingSeries): SeriesGeometry {
  let value = geometries.get(series);
  if (value === undefined) {
    value = computeGeometry(series);
    geometries.set(series, value);
  }
  return value;
}

function computeGeometry(series: BookingSeries): SeriesGeometry {
  const firstStartMs = instant(series.start, 'start', series);
  const durationMs = instant(series.end, 'end', series) - firstStartMs;
  const overrides = new Map<number, OccurrenceOverride>();
  for (const o of series.overrides ?? []) overrides.set(o.occurrence, o);
  return { firstStartMs, durationMs, overrides };
}

/** Start/end of an override that moves an occurrence from its original slot. */
function moved(series: BookingSeries, override: OccurrenceOverride, originalStartMs: number, durationMs: number): [number, number] {
  const startMs = override.start === undefined ? originalStartMs : instant(override.start, `occurrence ${override.occurrence} start`, series);
  const endMs =
    override.end === undefined ? startMs + durationMs : instant(override.end, `occurrence ${override.occurrence} end`, series);
  return [startMs, endMs];
}

/**
 * Occurrences of `series` intersecting [fromMs, toMs), sorted by start then ordinal, overrides applied
 * (cancelled ones left out, moved ones at their new time). At most `options.max` (default 5000) are
 * returned: the earliest ones. A cancelled series has none. Throws RecurrenceError for a series whose
 * rule or times do not parse (validation.ts refuses those before they are stored).
 */
export function expandOccurrences(
  series: BookingSeries,
  fromMs: number,
  toMs: number,
  options: { max?: number } = {},
): Occurrence[] {
  const max = options.max ?? DEFAULT_MAX_OCCURRENCES;
  if (series.cancelled === true || toMs <= fromMs || max <= 0) return [];
  const start = local(series.start, 'start', series);
  const { durationMs, overrides } = geometry(series);
  let maxMovedOrdinal = 0;
  for (const o of overrides.values()) if (isMove(o) && o.cancelled !== true) maxMovedOrdinal = Math.max(maxMovedOrdinal, o.occurrence);
  // A floating wall-clock time is within a day of its instant; pad the window by that and the duration.
  const lower = fromMs - Math.max(0, durationMs) - DAY_MS;
  const upper = toMs + DAY_MS;
  const walk = seriesStarts(series, start, upper, maxMovedOrdinal);
  const out: Occurrence[] = [];
  const consider = (ordinal: number, startMs: number, endMs: number, override: OccurrenceOverride | undefined): void => {
    if (startMs < toMs && endMs > fromMs) out.push(makeOccurrence(series, ordinal, startMs, endMs, override));
  };
  // Regular slots: binary search for the first floating start inside the padded window.
  let lo = 0;
  let hi = walk.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((walk.starts[mid] ?? 0) < lower) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < walk.starts.length; i++) {
    const floating = walk.starts[i] ?? 0;
    if (floating > upper) break;
    const ordinal = i + 1;
    const override = overrides.get(ordinal);
    if (override !== undefined && (override.cancelled === true || isMove(override))) continue;
    const startMs = floatingToInstant(floating, series.timeZone);
    consider(ordinal, startMs, startMs + durationMs, override);
  }
  // Moved occurrences, wherever they moved to.
  for (const override of overrides.values()) {
    if (override.cancelled === true || !isMove(override)) continue;
    const original = walk.starts[override.occurrence - 1];
    if (original === undefined || override.occurrence < 1) continue;
    const [startMs, endMs] = moved(series, override, floatingToInstant(original, series.timeZone), durationMs);
    consider(override.occurrence, startMs, endMs, override);
  }
  out.sort((a, b) => a.startMs - b.startMs || a.occurrence - b.occurrence);
  return out.length > max ? out.slice(0, max) : out;
}

export interface OriginalOccurrence {
  readonly occurrence: number;
  /** Local wall-clock start of the slot in the unmodified series (`YYYY-MM-DDTHH:mm:ss`). */
  readonly startLocal: string;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The slot occurrence `ordinal` has in the unmodified series (what RECURRENCE-ID and EXDATE name), or
 * undefined when the series has no such occurrence.
 */
export function originalOccurrence(series: BookingSeries, ordinal: number): OriginalOccurrence | undefined {
  if (!Number.isInteger(ordinal) || ordinal < 1 || ordinal > MAX_SERIES_OCCURRENCES) return undefined;
  const start = local(series.start, 'start', series);
  const { durationMs } = geometry(series);
  const walk = seriesStarts(series, start, -Infinity, ordinal);
  const floating = walk.starts[ordinal - 1];
  if (floating === undefined) return undefined;
  const startMs = floatingToInstant(floating, series.timeZone);
  const d = new Date(floating);
  const p = (n: number): string => String(n).padStart(2, '0');
  const startLocal = `${String(d.getUTCFullYear()).padStart(4, '0')}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return { occurrence: ordinal, startLocal, startMs, endMs: startMs + durationMs };
}

export interface SeriesSpan {
  /** Earliest start of any occurrence (moved ones included). */
  readonly firstStartMs: number;
  /** Latest end of any occurrence; for open-ended rules the end of the last one within the bounds. */
  readonly lastEndMs: number;
  /** The rule has neither COUNT nor UNTIL (it ends after MAX_SERIES_YEARS years or MAX_SERIES_OCCURRENCES occurrences). */
  readonly openEnded: boolean;
  /** How many slots the unmodified series has (cancelled ones included). */
  readonly occurrences: number;
}

/**
 * The time span a series can occupy, for storage to index and to pick the bookings a conflict check
 * must expand. Undefined for a cancelled series or one with no occurrences left.
 */
export function seriesSpan(series: BookingSeries): SeriesSpan | undefined {
  if (series.cancelled === true) return undefined;
  const start = local(series.start, 'start', series);
  const walk = seriesStarts(series, start, Infinity, MAX_SERIES_OCCURRENCES);
  const openEnded =
    series.recurrence !== undefined &&
    series.recurrence.trim() !== '' &&
    compiled(series.recurrence, series.timeZone).count === undefined &&
    compiled(series.recurrence, series.timeZone).untilFloating === undefined;
  const { durationMs, overrides } = geometry(series);
  // Slots in their place (not cancelled, not moved): the earliest and latest are at the two ends.
  const inPlace = (index: number): boolean => {
    const override = overrides.get(index + 1);
    return override === undefined || (override.cancelled !== true && !isMove(override));
  };
  let firstStartMs = Infinity;
  let lastEndMs = -Infinity;
  const firstIndex = walk.starts.findIndex((_f, i) => inPlace(i));
  if (firstIndex >= 0) {
    let lastIndex = walk.starts.length - 1;
    while (!inPlace(lastIndex)) lastIndex--;
    firstStartMs = floatingToInstant(walk.starts[firstIndex] ?? 0, series.timeZone);
    lastEndMs = floatingToInstant(walk.starts[lastIndex] ?? 0, series.timeZone) + durationMs;
  }
  // Moved occurrences, wherever they moved to.
  for (const override of overrides.values()) {
    if (override.cancelled === true || !isMove(override)) continue;
    const original = walk.starts[override.occurrence - 1];
    if (original === undefined || override.occurrence < 1) continue;
    const [startMs, endMs] = moved(series, override, floatingToInstant(original, series.timeZone), durationMs);
    firstStartMs = Math.min(firstStartMs, startMs);
    lastEndMs = Math.max(lastEndMs, endMs);
  }
  if (!Number.isFinite(firstStartMs)) return undefined;
  return { firstStartMs, lastEndMs, openEnded, occurrences: walk.starts.length };
}

/**
 * Occurrence `ordinal` as it happens (override applied), or undefined when the series has no such
 * occurrence or it is cancelled.
 */
export function occurrenceOf(series: BookingSeries, ordinal: number): Occurrence | undefined {
  if (series.cancelled === true) return undefined;
  const original = originalOccurrence(series, ordinal);
  if (original === undefined) return undefined;
  const { durationMs, overrides } = geometry(series);
  const override = overrides.get(ordinal);
  if (override?.cancelled === true) return undefined;
  if (override !== undefined && isMove(override)) {
    const [startMs, endMs] = moved(series, override, original.startMs, durationMs);
    return makeOccurrence(series, ordinal, startMs, endMs, override);
  }
  return makeOccurrence(series, ordinal, original.startMs, original.endMs, override);
}
