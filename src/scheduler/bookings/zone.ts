/**
 * Local wall-clock times in IANA time zones, with the RFC 5545 §3.3.5 rules for the two DST edge cases:
 * - a local time that does not exist (spring-forward gap) is read with the UTC offset from before the
 *   gap, so it lands the gap's length later: 02:30 on the Europe/Oslo spring-forward day is 03:30 CEST;
 * - a local time that occurs twice (fall-back overlap) is the FIRST of the two instants (the
 *   daylight-time one): 02:30 on the Europe/Oslo fall-back day is 02:30 CEST (00:30Z), not CET.
 * Luxon alone resolves the overlap the other way, so the choice is made here explicitly.
 *
 * "Floating" milliseconds encode a wall-clock time as if it were UTC (Date.UTC of its fields); the
 * recurrence rule is expanded in that space and each result converted here.
 */
import { DateTime, IANAZone } from 'luxon';

export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** `YYYY-MM-DDTHH:mm` or `YYYY-MM-DDTHH:mm:ss` (no offset, no fraction). */
export const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

const DAY_MS = 86_400_000;

/** Parses a local date-time string; undefined when malformed or not a calendar date/time. */
export function parseLocal(text: string): LocalDateTime | undefined {
  const m = LOCAL_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const floating = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(floating);
  if (
    year < 1900 ||
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return { year, month, day, hour, minute, second };
}

export function localToFloating(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** True for a time zone name the runtime knows (IANA names and `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  return zone.trim() !== '' && IANAZone.isValidZone(zone);
}

/** The runtime's canonical spelling of a valid zone (`europe/oslo` → `Europe/Oslo`). */
export function canonicalTimeZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

function offsetMs(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * 60_000;
}

const zones = new Map<string, IANAZone>();
function ianaZone(name: string): IANAZone {
  let zone = zones.get(name);
  if (zone === undefined) {
    if (!isValidTimeZone(name)) throw new RangeError(`unknown time zone '${name}'`);
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
}

/**
 * The UTC instant of a floating wall-clock time in `zone`, with the RFC 5545 rules for gaps (offset
 * before the gap) and overlaps (earliest instant).
 */
export function floatingToInstant(floating: number, zoneName: string): number {
  const zone = ianaZone(zoneName);
  const before = offsetMs(zone, floating - DAY_MS);
  const after = offsetMs(zone, floating + DAY_MS);
  const candidates = new Set([before, after, offsetMs(zone, floating)]);
  let best: number | undefined;
  for (const offset of candidates) {
    const instant = floating - offset;
    if (offsetMs(zone, instant) === offset && (best === undefined || instant < best)) best = instant;
  }
  if (best !== undefined) return best;
  // Nonexistent (in a gap): read with the offset in force before the gap.
  return floating - before;
}

/** The floating wall-clock time of a UTC instant in `zone`. */
export function instantToFloating(instant: number, zoneName: string): number {
  return instant + offsetMs(ianaZone(zoneName), instant);
}

/** A luxon DateTime at `instant` in `zone` (what ical-generator formats with a TZID). */
export function zonedDateTime(instant: number, zone: string): DateTime {
  return DateTime.fromMillis(instant, { zone });
}
