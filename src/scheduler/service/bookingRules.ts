/**
 * The booking rules the scheduler uses (validation, occurrence expansion, conflicts), in one place.
 *
 * PLACEHOLDER: the real rules (src/scheduler/bookings/: recurrence with time zones / DST / exceptions /
 * overrides, conflict sweep) are being written in parallel and have not landed on main yet. Until they
 * do, this module handles ONLY single, non-recurring occurrences with the same function shapes, and
 * refuses a `recurrence`. When they land, the bodies below become re-exports.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { BookingSeries, Conflict, Occurrence } from '../bookings/types.ts';

export type BookingInput = Omit<BookingSeries, 'id' | 'sequence' | 'cancelled'>;
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}
export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: FieldIssue[] };

const local = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'must be a local date-time YYYY-MM-DDTHH:mm[:ss]');
const participant = z.strictObject({
  uri: z.string().trim().min(1).max(254).regex(/^[^\s<>"]+$/, 'must not contain white space, <, > or "'),
  mode: z.enum(['dialOut', 'dialIn']),
  name: z.string().trim().max(200).optional(),
  email: z.email().optional(),
});
const override = z.strictObject({
  occurrence: z.int().min(1),
  start: local.optional(),
  end: local.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  participants: z.array(participant).optional(),
  pin: z.string().regex(/^\d{1,20}$/).nullable().optional(),
  cancelled: z.boolean().optional(),
});
const fields = {
  title: z.string().trim().min(1).max(200),
  organizer: z.email(),
  start: local,
  end: local,
  timeZone: z.string().refine((tz) => DateTime.local().setZone(tz).isValid, 'unknown IANA time zone'),
  recurrence: z.string().trim().max(1000).optional(),
  overrides: z.array(override).optional(),
  pin: z.string().regex(/^\d{1,20}$/, 'must be 1 to 20 digits').optional(),
  participants: z.array(participant).max(500),
  type: z.enum(['automatic', 'reservation']),
  bridge: z.string().trim().min(1).max(200).optional(),
};
const createSchema = z.strictObject({ ...fields, participants: fields.participants.default([]), type: fields.type.default('automatic') });
const patchSchema = z.strictObject({
  title: fields.title.optional(),
  organizer: fields.organizer.optional(),
  start: fields.start.optional(),
  end: fields.end.optional(),
  timeZone: fields.timeZone.optional(),
  recurrence: fields.recurrence.nullable(),
  overrides: fields.overrides.nullable(),
  pin: fields.pin.nullable(),
  participants: fields.participants.optional(),
  type: fields.type.optional(),
  bridge: fields.bridge.nullable(),
});

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function instant(text: string, zone: string): number {
  return DateTime.fromISO(text, { zone }).toMillis();
}

function rules(input: BookingInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (input.recurrence !== undefined && input.recurrence !== '') {
    issues.push({ path: 'recurrence', message: 'recurring bookings are not available yet (booking rules pending)' });
  }
  const start = instant(input.start, input.timeZone);
  const end = instant(input.end, input.timeZone);
  if (!(end > start)) issues.push({ path: 'end', message: 'must be after start' });
  if (end - start > 24 * 3_600_000) issues.push({ path: 'end', message: 'the meeting must last at most 24 hours' });
  for (const o of input.overrides ?? []) if (o.occurrence !== 1) issues.push({ path: 'overrides', message: `occurrence ${o.occurrence} does not exist` });
  return issues;
}

export function parseBookingCreate(body: unknown): ValidationResult<BookingInput> {
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const value = clean({ ...parsed.data, participants: parsed.data.participants.map(clean), overrides: parsed.data.overrides?.map(clean) }) as BookingInput;
  const issues = rules(value);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
}

export function parseBookingPatch(current: BookingInput, body: unknown): ValidationResult<BookingInput> {
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const p = parsed.data;
  const merged = clean({
    title: p.title ?? current.title,
    organizer: p.organizer ?? current.organizer,
    start: p.start ?? current.start,
    end: p.end ?? current.end,
    timeZone: p.timeZone ?? current.timeZone,
    type: p.type ?? current.type,
    participants: p.participants ? p.participants.map(clean) : current.participants,
    recurrence: p.recurrence === undefined ? current.recurrence : (p.recurrence ?? undefined),
    pin: p.pin === undefined ? current.pin : (p.pin ?? undefined),
    bridge: p.bridge === undefined ? current.bridge : (p.bridge ?? undefined),
    overrides: p.overrides === undefined ? current.overrides : p.overrides === null ? undefined : p.overrides.map(clean),
  }) as BookingInput;
  const issues = rules(merged);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: merged };
}

/** Occurrences intersecting [fromMs, toMs): here only occurrence 1 of a non-recurring series. */
export function expandOccurrences(series: BookingSeries, fromMs: number, toMs: number): Occurrence[] {
  if (series.cancelled === true) return [];
  const o = series.overrides?.find((x) => x.occurrence === 1);
  if (o?.cancelled === true) return [];
  const startMs = instant(o?.start ?? series.start, series.timeZone);
  const endMs = o?.end !== undefined ? instant(o.end, series.timeZone) : startMs + (instant(series.end, series.timeZone) - instant(series.start, series.timeZone));
  if (!(startMs < toMs && endMs > fromMs)) return [];
  return [
    {
      bookingId: series.id,
      occurrence: 1,
      startMs,
      endMs,
      title: o?.title ?? series.title,
      participants: o?.participants ?? series.participants,
      pin: o?.pin === null ? undefined : (o?.pin ?? series.pin),
      type: series.type,
      bridge: series.bridge,
    },
  ];
}

const normalizeUri = (uri: string): string => uri.trim().toLowerCase().replace(/^sips?:/, '');

/** Capacity (max concurrent spaces) and participant double-booking, for the candidate's occurrences. */
export function findConflicts(candidate: readonly Occurrence[], existing: readonly Occurrence[], capacity: number): Conflict[] {
  const ids = new Set(candidate.map((c) => c.bookingId));
  const others = existing.filter((e) => !ids.has(e.bookingId));
  const out: Conflict[] = [];
  for (const c of candidate) {
    const overlapping = others.filter((e) => e.startMs < c.endMs && e.endMs > c.startMs);
    // Max concurrency of the overlapping ones inside c's window, plus c itself.
    const points = overlapping.map((e) => Math.max(e.startMs, c.startMs)).concat([c.startMs]);
    let worst = 0;
    let withIds: string[] = [];
    for (const t of points) {
      const at = overlapping.filter((e) => e.startMs <= t && e.endMs > t);
      if (at.length > worst) {
        worst = at.length;
        withIds = at.map((e) => e.bookingId);
      }
    }
    if (worst + 1 > capacity) out.push({ reason: 'capacityExceeded', occurrence: c.occurrence, startMs: c.startMs, endMs: c.endMs, with: [...new Set(withIds)].sort() });
    for (const p of c.participants) {
      const uri = normalizeUri(p.uri);
      const clash = overlapping.filter((e) => e.participants.some((q) => normalizeUri(q.uri) === uri));
      if (clash.length > 0) {
        out.push({ reason: 'participantDoubleBooked', occurrence: c.occurrence, startMs: c.startMs, endMs: c.endMs, participant: uri, with: [...new Set(clash.map((e) => e.bookingId))].sort() });
      }
    }
  }
  return out;
}

export function describeConflict(conflict: Conflict, capacity?: number): string {
  const when = `occurrence ${conflict.occurrence} (${new Date(conflict.startMs).toISOString()} – ${new Date(conflict.endMs).toISOString()})`;
  return conflict.reason === 'capacityExceeded'
    ? `${when} needs more concurrent spaces than the bridge's range holds${capacity === undefined ? '' : ` (${capacity})`}`
    : `${when}: ${conflict.participant ?? '?'} is already booked in ${conflict.with.join(', ')}`;
}
