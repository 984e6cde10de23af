/**
 * iCalendar (RFC 5545 / iTIP RFC 5546) for bookings, built with ical-generator:
 * - one VCALENDAR per booking, METHOD:REQUEST (invite/update) or METHOD:CANCEL;
 * - the master VEVENT carries DTSTART/DTEND with the booking's TZID (local wall-clock, so clients keep
 *   09:00 across DST like our expansion does), the normalized RRULE (UNTIL in UTC), EXDATE for cancelled
 *   occurrences, and one extra VEVENT with RECURRENCE-ID per changed occurrence;
 * - UID `<booking id>@switchboard` (stable for the booking's life), SEQUENCE from the booking;
 * - ORGANIZER and an ATTENDEE per dial-in invitee with an e-mail address; dial-out endpoints (which the
 *   bridge calls) are listed in the description;
 * - LOCATION is the dial-in URI `<number>@<domain>`; DESCRIPTION repeats it with the number and PIN;
 * - VTIMEZONE from @touch4it/ical-timezones; for the few zones it lacks, one built from the zone's
 *   actual transitions (luxon) around the booking.
 */
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalAttendeeType, ICalCalendarMethod, ICalEventStatus, type ICalCalendar } from 'ical-generator';
import icalTimezones from '@touch4it/ical-timezones';
import { DateTime, IANAZone } from 'luxon';
import type { BookingParticipant, BookingSeries, Occurrence } from './types.ts';
import { compileRule } from './rule.ts';
import { occurrenceOf, originalOccurrence, seriesSpan } from './recurrence.ts';
import { zonedDateTime } from './zone.ts';

export interface DialIn {
  /** The numeric conference ID callers dial (the coSpace callId / uri user part). */
  readonly number: string;
  /** The SIP domain the bridge answers on. */
  readonly domain: string;
}

export interface CalendarOptions {
  readonly method: 'REQUEST' | 'CANCEL';
  /** How to join; undefined when the booking has no space yet (the invitation then says so). */
  readonly dialIn: DialIn | undefined;
  /** PRODID, e.g. `//Example//Scheduler//EN`. */
  readonly productId?: string | undefined;
  /** Display name for ORGANIZER (defaults to the organizer's address). */
  readonly organizerName?: string | undefined;
  /** DTSTAMP in ms (pass clock.now()); defaults to the current time. */
  readonly stampMs?: number | undefined;
  /** With CANCEL: cancel only this occurrence (RECURRENCE-ID) instead of the whole series. */
  readonly occurrence?: number | undefined;
}

export interface FeedOptions {
  readonly productId?: string | undefined;
  readonly organizerName?: string | undefined;
  readonly stampMs?: number | undefined;
  /** Calendar name (X-WR-CALNAME). */
  readonly name?: string | undefined;
}

const DEFAULT_PRODUCT_ID = '//Switchboard//Scheduler//EN';

export function bookingUid(bookingId: string): string {
  return `${bookingId}@switchboard`;
}

export function dialInUri(dialIn: DialIn): string {
  return `${dialIn.number}@${dialIn.domain}`;
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** The address invitations go to: the e-mail, or the URI when it is an e-mail-like address. */
export function invitationAddress(p: BookingParticipant): string | undefined {
  if (p.mode !== 'dialIn') return undefined;
  if (p.email !== undefined) return p.email;
  const uri = p.uri.replace(/^(?:mailto|sips?):/i, '');
  return EMAIL.test(uri) ? uri : undefined;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** A VTIMEZONE listing the zone's real transitions in [fromMs, toMs] (for zones the library lacks). */
export function vtimezoneFromTransitions(zone: string, fromMs: number, toMs: number): string {
  const iana = IANAZone.create(zone);
  const offsetAt = (ms: number): number => iana.offset(ms);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  const first = offsetAt(fromMs);
  lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offsetText(first)}`, `TZOFFSETTO:${offsetText(first)}`, 'END:STANDARD');
  const step = 86_400_000;
  let previous = first;
  for (let t = fromMs + step; t <= toMs + step; t += step) {
    const current = offsetAt(t);
    if (current === previous) continue;
    let lo = t - step;
    let hi = t;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetAt(mid) === previous) lo = mid;
      else hi = mid;
    }
    const kind = DateTime.fromMillis(hi, { zone }).isInDST ? 'DAYLIGHT' : 'STANDARD';
    const local = DateTime.fromMillis(hi + previous * 60_000, { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmmss");
    lines.push(`BEGIN:${kind}`, `DTSTART:${local}`, `TZOFFSETFROM:${offsetText(previous)}`, `TZOFFSETTO:${offsetText(current)}`, `END:${kind}`);
    previous = current;
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}

function newCalendar(method: ICalCalendarMethod, productId: string | undefined, series: readonly BookingSeries[]): ICalCalendar {
  const calendar = ical({ prodId: (productId ?? DEFAULT_PRODUCT_ID).replace(/^-/, ''), method });
  const year = 366 * 86_400_000;
  calendar.timezone({
    name: null,
    generator: (zone) => {
      const known = icalTimezones.getVtimezoneComponent(zone);
      if (known !== null && known !== '') return known;
      let from = Infinity;
      let to = -Infinity;
      for (const s of series) {
        if (s.timeZone !== zone) continue;
        const span = seriesSpan({ ...s, cancelled: false });
        if (span === undefined) continue;
        from = Math.min(from, span.firstStartMs);
        to = Math.max(to, span.lastEndMs);
      }
      return Number.isFinite(from) ? vtimezoneFromTransitions(zone, from - year, to + year) : null;
    },
  });
  return calendar;
}

function description(title: string, occurrence: Pick<Occurrence, 'pin' | 'participants' | 'type'>, dialIn: DialIn | undefined): string {
  const lines = [title, ''];
  if (dialIn === undefined) {
    lines.push('Dial-in details follow when the meeting space is assigned.');
  } else {
    lines.push(`Join by video: sip:${dialInUri(dialIn)}`, `Conference number: ${dialIn.number}`);
  }
  if (occurrence.pin !== undefined) lines.push(`PIN: ${occurrence.pin}`);
  const dialOut = occurrence.participants.filter((p) => p.mode === 'dialOut');
  if (dialOut.length > 0) {
    lines.push('', occurrence.type === 'automatic' ? 'The bridge calls these endpoints at the start:' : 'Endpoints:');
    for (const p of dialOut) lines.push(`- ${p.name === undefined ? p.uri : `${p.name} <${p.uri}>`}`);
  }
  return lines.join('\n');
}

/** RFC 5545 ends every content line, the last one included, with CRLF (ical-generator omits the last). */
function withFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

function local(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmmss");
}

/** RRULE + EXDATE lines for the master event. */
function repeatingLines(series: BookingSeries): string | null {
  if (series.recurrence === undefined || series.recurrence.trim() === '') return null;
  const lines = [`RRULE:${compileRule(series.recurrence, series.timeZone).text}`];
  const excluded: string[] = [];
  for (const o of series.overrides ?? []) {
    if (o.cancelled !== true) continue;
    const slot = originalOccurrence(series, o.occurrence);
    if (slot === undefined) continue;
    excluded.push(series.timeZone === 'UTC' ? `${local(slot.startMs)}Z` : slot.startLocal.replace(/[-:]/g, ''));
  }
  if (excluded.length > 0) {
    excluded.sort();
    lines.push(series.timeZone === 'UTC' ? `EXDATE:${excluded.join(',')}` : `EXDATE;TZID=${series.timeZone}:${excluded.join(',')}`);
  }
  return lines.join('\n');
}

interface EventContext {
  readonly dialIn: DialIn | undefined;
  readonly organizerName: string | undefined;
  readonly stamp: Date;
  readonly cancelled: boolean;
}

function addEvent(
  calendar: ICalCalendar,
  series: BookingSeries,
  occurrence: Pick<Occurrence, 'startMs' | 'endMs' | 'title' | 'participants' | 'pin' | 'type'>,
  context: EventContext,
  extra: { repeating?: string | null; recurrenceIdMs?: number },
): void {
  const zone = series.timeZone;
  const event = calendar.createEvent({
    id: bookingUid(series.id),
    sequence: series.sequence,
    stamp: context.stamp,
    start: zonedDateTime(occurrence.startMs, zone),
    end: zonedDateTime(occurrence.endMs, zone),
    timezone: zone,
    summary: occurrence.title,
    description: description(occurrence.title, occurrence, context.dialIn),
    organizer: { name: context.organizerName ?? series.organizer, email: series.organizer },
    status: context.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  if (context.dialIn !== undefined) event.location(dialInUri(context.dialIn));
  if (extra.repeating !== undefined && extra.repeating !== null) event.repeating(extra.repeating);
  if (extra.recurrenceIdMs !== undefined) event.recurrenceId(zonedDateTime(extra.recurrenceIdMs, zone));
  const seen = new Set<string>();
  for (const p of occurrence.participants) {
    const address = invitationAddress(p);
    if (address === undefined || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    event.createAttendee({
      email: address,
      ...(p.name === undefined ? {} : { name: p.name }),
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      type: ICalAttendeeType.INDIVIDUAL,
      rsvp: !context.cancelled,
    });
  }
}

function masterOccurrence(series: BookingSeries): Pick<Occurrence, 'startMs' | 'endMs' | 'title' | 'participants' | 'pin' | 'type'> {
  const slot = originalOccurrence(series, 1);
  if (slot === undefined) throw new RangeError(`booking ${series.id} has no first occurrence`);
  return { startMs: slot.startMs, endMs: slot.endMs, title: series.title, participants: series.participants, pin: series.pin, type: series.type };
}

/** Master + per-occurrence change events of one series. */
function addSeries(calendar: ICalCalendar, series: BookingSeries, context: EventContext): void {
  addEvent(calendar, series, masterOccurrence(series), context, { repeating: repeatingLines(series) });
  if (context.cancelled || series.recurrence === undefined) return;
  const changed = (series.overrides ?? []).filter((o) => o.cancelled !== true).sort((a, b) => a.occurrence - b.occurrence);
  for (const o of changed) {
    const slot = originalOccurrence(series, o.occurrence);
    const actual = occurrenceOf(series, o.occurrence);
    if (slot === undefined || actual === undefined) continue;
    addEvent(calendar, series, actual, context, { recurrenceIdMs: slot.startMs });
  }
}

/**
 * The .ics for one booking: METHOD:REQUEST for an invitation or update (master event, RRULE, EXDATE
 * for cancelled occurrences, RECURRENCE-ID events for changed ones), METHOD:CANCEL to cancel the whole
 * booking or, with `options.occurrence`, one occurrence.
 */
export function bookingCalendar(series: BookingSeries, options: CalendarOptions): string {
  const method = options.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const calendar = newCalendar(method, options.productId, [series]);
  const context: EventContext = {
    dialIn: options.dialIn,
    organizerName: options.organizerName,
    stamp: new Date(options.stampMs ?? Date.now()),
    cancelled: options.method === 'CANCEL' || series.cancelled === true,
  };
  if (options.method === 'CANCEL' && options.occurrence !== undefined) {
    const slot = originalOccurrence(series, options.occurrence);
    if (slot === undefined) throw new RangeError(`booking ${series.id} has no occurrence ${options.occurrence}`);
    const base = masterOccurrence(series);
    addEvent(calendar, series, { ...base, startMs: slot.startMs, endMs: slot.endMs }, context, { recurrenceIdMs: slot.startMs });
  } else {
    addSeries(calendar, series, context);
  }
  return withFinalNewline(calendar.toString());
}

/**
 * One VCALENDAR (METHOD:PUBLISH) with every live booking of an organizer, for calendar subscription.
 * Cancelled bookings are left out (subscribers drop them).
 */
export function organizerFeed(
  seriesList: readonly BookingSeries[],
  dialInFor: (series: BookingSeries) => DialIn | undefined,
  options: FeedOptions = {},
): string {
  const live = seriesList.filter((s) => s.cancelled !== true);
  const calendar = newCalendar(ICalCalendarMethod.PUBLISH, options.productId, live);
  if (options.name !== undefined) calendar.name(options.name);
  const stamp = new Date(options.stampMs ?? Date.now());
  for (const series of [...live].sort((a, b) => a.id.localeCompare(b.id))) {
    addSeries(calendar, series, { dialIn: dialInFor(series), organizerName: options.organizerName, stamp, cancelled: false });
  }
  return withFinalNewline(calendar.toString());
}
