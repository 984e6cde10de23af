/**
 * Booking requests: zod schemas for create and patch bodies plus the cross-field rules (end after start,
 * duration limits, a parseable and bounded RRULE whose first occurrence is the booking's start,
 * overrides naming occurrences that exist). Every problem comes back as `{ path, message }` so the
 * scheduler API can answer 400 with field-level errors.
 */
import { z } from 'zod';
import type { BookingParticipant, BookingSeries, OccurrenceOverride } from './types.ts';
import { compileRule, FIRST_PERIOD_STEPS, horizonEnd, MAX_SERIES_OCCURRENCES, MAX_SERIES_YEARS, RecurrenceError, walkRule } from './rule.ts';
import { canonicalTimeZone, floatingToInstant, isValidTimeZone, localToFloating, parseLocal } from './zone.ts';

export const MAX_TITLE_LENGTH = 200;
export const MIN_DURATION_MS = 60_000;
export const MAX_DURATION_MS = 24 * 3_600_000;
export const MAX_PARTICIPANTS = 500;
export const MAX_PIN_LENGTH = 20;
/** The most overrides (changed or cancelled occurrences) one series may have. */
export const MAX_OVERRIDES = 500;
/**
 * The most overrides that change an occurrence rather than cancel it: each is an event of its own in the
 * booking's .ics (a cancellation is one EXDATE value).
 */
export const MAX_CHANGED_OCCURRENCES = 100;
/** The most participants a body may list in all (the series' and every override's lists together). */
export const MAX_PARTICIPANT_ENTRIES = 2000;

/** The fields of a booking a client sets (BookingSeries without id, sequence and cancelled). */
export type BookingInput = Omit<BookingSeries, 'id' | 'sequence' | 'cancelled'>;

export interface FieldIssue {
  /** Dotted path of the field, e.g. `participants.2.uri`; empty for the body as a whole. */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: FieldIssue[] };

const localDateTime = z.string().superRefine((value, ctx) => {
  if (parseLocal(value) === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a local date-time YYYY-MM-DDTHH:mm[:ss] (no offset)` });
  }
});

const timeZone = z
  .string()
  .superRefine((value, ctx) => {
    if (!isValidTimeZone(value)) ctx.addIssue({ code: 'custom', message: `unknown IANA time zone '${value}'` });
  })
  .transform(canonicalTimeZone);

// PIN: digits only (what a caller types on a keypad).
const pin = z.string().regex(new RegExp(`^\\d{1,${MAX_PIN_LENGTH}}$`), `must be 1 to ${MAX_PIN_LENGTH} digits`);

const title = z.string().trim().min(1, 'must not be empty').max(MAX_TITLE_LENGTH, `must be at most ${MAX_TITLE_LENGTH} characters`);

export const participantSchema = z.strictObject({
  uri: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(254, 'must be at most 254 characters')
    .regex(/^[^\s\p{Cc}<>"]+$/u, 'must not contain white space, control characters, <, > or "'),
  mode: z.enum(['dialOut', 'dialIn']),
  name: z.string().trim().max(200, 'must be at most 200 characters').optional(),
  email: z.email().optional(),
});

export const overrideSchema = z.strictObject({
  occurrence: z.int().min(1).max(MAX_SERIES_OCCURRENCES),
  start: localDateTime.optional(),
  end: localDateTime.optional(),
  title: title.optional(),
  participants: z.array(participantSchema).max(MAX_PARTICIPANTS).optional(),
  pin: pin.nullable().optional(),
  cancelled: z.boolean().optional(),
});

const baseFields = {
  title,
  organizer: z.email(),
  start: localDateTime,
  end: localDateTime,
  timeZone,
  recurrence: z.string().trim().max(1000).optional(),
  overrides: z.array(overrideSchema).max(MAX_OVERRIDES, `at most ${MAX_OVERRIDES} changed or cancelled occurrences`).optional(),
  pin: pin.optional(),
  participants: z.array(participantSchema).max(MAX_PARTICIPANTS),
  type: z.enum(['automatic', 'reservation']),
  bridge: z.string().trim().min(1).max(200).optional(),
};

/** A create request body (field rules only; parseBookingCreate adds the cross-field rules). */
export const bookingCreateSchema = z.strictObject({
  ...baseFields,
  participants: baseFields.participants.default([]),
  type: baseFields.type.default('automatic'),
});

/**
 * A patch request body: every field optional; `null` removes an optional one (recurrence, overrides,
 * pin, bridge).
 */
export const bookingPatchSchema = z.strictObject({
  title: baseFields.title.optional(),
  organizer: baseFields.organizer.optional(),
  start: baseFields.start.optional(),
  end: baseFields.end.optional(),
  timeZone: baseFields.timeZone.optional(),
  recurrence: baseFields.recurrence.nullable(),
  overrides: baseFields.overrides.nullable(),
  pin: baseFields.pin.nullable(),
  participants: baseFields.participants.optional(),
  type: baseFields.type.optional(),
  bridge: baseFields.bridge.nullable(),
});

export type BookingPatch = z.infer<typeof bookingPatchSchema>;

function instantOf(text: string, zone: string): number | undefined {
  const local = parseLocal(text);
  return local === undefined ? undefined : floatingToInstant(localToFloating(local), zone);
}

function durationIssue(startMs: number, endMs: number): string | undefined {
  if (endMs <= startMs) return 'must be after start';
  if (endMs - startMs < MIN_DURATION_MS) return `the meeting must last at least ${MIN_DURATION_MS / 60_000} minute`;
  if (endMs - startMs > MAX_DURATION_MS) return `the meeting must last at most ${MAX_DURATION_MS / 3_600_000} hours`;
  return undefined;
}

/**
 * The rules that need several fields at once. Returns no issues for a booking that expands cleanly.
 */
export function checkBookingRules(input: BookingInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const startLocal = parseLocal(input.start);
  const startMs = instantOf(input.start, input.timeZone);
  const endMs = instantOf(input.end, input.timeZone);
  if (startLocal === undefined || startMs === undefined || endMs === undefined) return issues;
  const problem = durationIssue(startMs, endMs);
  if (problem !== undefined) issues.push({ path: 'end', message: problem });

  // How many slots the series has (1 without a rule; at least 1 for an open-ended rule), for override
  // ordinals, which are checked only against a rule that fits the start.
  let slots = 1;
  let ruleOk = true;
  if (input.recurrence !== undefined && input.recurrence !== '') {
    try {
      const rule = compileRule(input.recurrence, input.timeZone);
      const startFloating = localToFloating(startLocal);
      const horizon = new Date(horizonEnd(startLocal)).toISOString().slice(0, 10);
      // The start must be the first occurrence, so rrule's first period (which holds the start) decides.
      const head = walkRule(rule, startLocal, () => false, 1, FIRST_PERIOD_STEPS);
      const first = head.starts[0];
      // A rule with COUNT or UNTIL is walked to its end (it must end within the bounds); an open-ended
      // one only as far as the overrides need (the bounds end it).
      const bounded = rule.count !== undefined || rule.untilFloating !== undefined;
      const needed = (input.overrides ?? []).reduce((max, o) => Math.max(max, o.occurrence), 1);
      if (first === undefined || first !== startFloating) ruleOk = false;
      if (first === undefined) {
        issues.push({
          path: 'recurrence',
          message: head.exhausted
            ? 'the rule has no occurrence on or after start (UNTIL before start?)'
            : `start ${input.start} is not an occurrence of the rule, and the rule has no occurrence within a year of it`,
        });
      } else if (first !== startFloating) {
        issues.push({
          path: 'recurrence',
          message: `start ${input.start} is not an occurrence of the rule; the first one would be ${new Date(first).toISOString().slice(0, 16)} — make start the first occurrence`,
        });
      } else if (bounded || needed > 1) {
        const walk = walkRule(rule, startLocal, (_floating, index) => !bounded && index >= needed);
        // Stopped by `needed` means occurrence `needed + 1` exists.
        slots = walk.ended ? walk.starts.length : walk.starts.length + 1;
        if (bounded && !walk.exhausted) {
          issues.push({
            path: 'recurrence',
            message: `the rule goes on after ${horizon}: every occurrence must start within ${MAX_SERIES_YEARS} years of start (and at most ${MAX_SERIES_OCCURRENCES}); use ${rule.count === undefined ? 'an earlier UNTIL' : 'a smaller COUNT'}`,
          });
        }
      }
    } catch (error) {
      if (!(error instanceof RecurrenceError)) throw error;
      issues.push({ path: 'recurrence', message: error.message });
      ruleOk = false;
    }
  }
  const changed = (input.overrides ?? []).filter((o) => o.cancelled !== true).length;
  if (changed > MAX_CHANGED_OCCURRENCES) {
    issues.push({ path: 'overrides', message: `at most ${MAX_CHANGED_OCCURRENCES} occurrences may be changed (this has ${changed}); cancelling one does not count` });
  }
  const seen = new Set<number>();
  (input.overrides ?? []).forEach((override: OccurrenceOverride, index) => {
    const at = `overrides.${index}`;
    if (seen.has(override.occurrence)) issues.push({ path: `${at}.occurrence`, message: `occurrence ${override.occurrence} is overridden twice` });
    seen.add(override.occurrence);
    if (ruleOk && override.occurrence > slots) {
      issues.push({ path: `${at}.occurrence`, message: `the series has ${slots} occurrence${slots === 1 ? '' : 's'}; there is no occurrence ${override.occurrence}` });
    }
    if (override.start !== undefined || override.end !== undefined) {
      const s = override.start === undefined ? undefined : instantOf(override.start, input.timeZone);
      const e = override.end === undefined ? undefined : instantOf(override.end, input.timeZone);
      // A lone start keeps the duration; a lone end is checked against the slot's start by expansion.
      if (s !== undefined && e !== undefined) {
        const p = durationIssue(s, e);
        if (p !== undefined) issues.push({ path: `${at}.end`, message: p });
      } else if (override.start === undefined) {
        issues.push({ path: `${at}.start`, message: 'give start too when moving the end of an occurrence' });
      }
    }
  });
  return issues;
}

/**
 * Sizes of the body's lists, checked before the schema parses each element (it checks an array's length
 * only after parsing all of it): a body of tens of thousands of small entries is refused at once.
 */
function listSizeIssues(body: unknown): FieldIssue[] {
  if (typeof body !== 'object' || body === null) return [];
  const { participants, overrides } = body as { participants?: unknown; overrides?: unknown };
  const issues: FieldIssue[] = [];
  let entries = Array.isArray(participants) ? participants.length : 0;
  if (Array.isArray(participants) && participants.length > MAX_PARTICIPANTS) {
    issues.push({ path: 'participants', message: `at most ${MAX_PARTICIPANTS} participants` });
  }
  if (Array.isArray(overrides)) {
    if (overrides.length > MAX_OVERRIDES) {
      issues.push({ path: 'overrides', message: `at most ${MAX_OVERRIDES} changed or cancelled occurrences` });
    } else {
      for (const o of overrides as unknown[]) {
        const list = typeof o === 'object' && o !== null ? (o as { participants?: unknown }).participants : undefined;
        if (Array.isArray(list)) entries += list.length;
      }
    }
  }
  if (issues.length === 0 && entries > MAX_PARTICIPANT_ENTRIES) {
    issues.push({ path: 'overrides', message: `at most ${MAX_PARTICIPANT_ENTRIES} participants in the series and its overrides together (this lists ${entries})` });
  }
  return issues;
}

function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toParticipants(list: readonly z.infer<typeof participantSchema>[]): BookingParticipant[] {
  return list.map((p) => stripUndefined(p));
}

/** Validates a create request body into a BookingInput. */
export function parseBookingCreate(body: unknown): ValidationResult<BookingInput> {
  const sizes = listSizeIssues(body);
  if (sizes.length > 0) return { ok: false, issues: sizes };
  const parsed = bookingCreateSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const d = parsed.data;
  const value: BookingInput = stripUndefined({
    ...d,
    recurrence: d.recurrence === '' ? undefined : d.recurrence,
    participants: toParticipants(d.participants),
    overrides: d.overrides?.map((o) => stripUndefined({ ...o, participants: o.participants && toParticipants(o.participants) })),
  });
  const issues = checkBookingRules(value);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
}

/**
 * Validates a patch request body against the current booking and returns the patched BookingInput.
 * A patch that changes start, timeZone or recurrence without giving overrides drops the existing
 * overrides (their ordinals named slots of the old pattern).
 */
export function parseBookingPatch(current: BookingInput, body: unknown): ValidationResult<BookingInput> {
  const sizes = listSizeIssues(body);
  if (sizes.length > 0) return { ok: false, issues: sizes };
  const parsed = bookingPatchSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const p = parsed.data;
  const patternChanged =
    (p.start !== undefined && p.start !== current.start) ||
    (p.timeZone !== undefined && p.timeZone !== current.timeZone) ||
    (p.recurrence !== undefined && (p.recurrence ?? undefined) !== current.recurrence);
  const overrides =
    p.overrides === null ? undefined : p.overrides !== undefined ? p.overrides : patternChanged ? undefined : current.overrides;
  const merged: BookingInput = stripUndefined({
    title: p.title ?? current.title,
    organizer: p.organizer ?? current.organizer,
    start: p.start ?? current.start,
    end: p.end ?? current.end,
    timeZone: p.timeZone ?? current.timeZone,
    type: p.type ?? current.type,
    participants: p.participants ? toParticipants(p.participants) : current.participants,
    recurrence: p.recurrence === undefined ? current.recurrence : p.recurrence === null || p.recurrence === '' ? undefined : p.recurrence,
    pin: p.pin === undefined ? current.pin : (p.pin ?? undefined),
    bridge: p.bridge === undefined ? current.bridge : (p.bridge ?? undefined),
    overrides: overrides?.map((o) => stripUndefined({ ...o, participants: o.participants && toParticipants(o.participants) })),
  });
  const issues = checkBookingRules(merged);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: merged };
}
