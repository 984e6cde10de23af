/**
 * The booking model shared by the scheduler's storage/API/runner and its booking rules (recurrence,
 * time zones, conflicts, iCalendar). Wall-clock times are local to the booking's IANA time zone, so a
 * weekly 09:00 meeting stays at 09:00 across daylight-saving changes.
 */

export type ParticipantMode = 'dialOut' | 'dialIn';

export interface BookingParticipant {
  /** SIP URI / number to dial (dialOut) or the invitee's address (dialIn, e-mail for invitations). */
  readonly uri: string;
  readonly mode: ParticipantMode;
  readonly name?: string | undefined;
  /** E-mail address for invitations, when different from `uri`. */
  readonly email?: string | undefined;
}

export type BookingType = 'automatic' | 'reservation';

/** A change to one occurrence of a series, keyed by the occurrence number it replaces. */
export interface OccurrenceOverride {
  /** 1-based ordinal of the occurrence in the unmodified series (stable under exceptions). */
  readonly occurrence: number;
  /** Local wall-clock start/end `YYYY-MM-DDTHH:mm[:ss]` in the series' time zone. */
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly title?: string | undefined;
  readonly participants?: readonly BookingParticipant[] | undefined;
  readonly pin?: string | null | undefined;
  /** true = this occurrence is cancelled (an exception). */
  readonly cancelled?: boolean | undefined;
}

export interface BookingSeries {
  readonly id: string;
  readonly title: string;
  /** Organizer e-mail (the owner of the booking; per-organizer iCalendar feeds key on it). */
  readonly organizer: string;
  /** Local wall-clock start/end of the first occurrence, `YYYY-MM-DDTHH:mm[:ss]`, in `timeZone`. */
  readonly start: string;
  readonly end: string;
  /** IANA time zone, e.g. `Europe/Oslo`. */
  readonly timeZone: string;
  /** RFC 5545 RRULE value without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;BYDAY=MO;COUNT=10`. */
  readonly recurrence?: string | undefined;
  readonly overrides?: readonly OccurrenceOverride[] | undefined;
  readonly pin?: string | undefined;
  readonly participants: readonly BookingParticipant[];
  readonly type: BookingType;
  /** Managed bridge id; absent = the scheduler picks. */
  readonly bridge?: string | undefined;
  /** iCalendar SEQUENCE: increases with every change that is sent to invitees. */
  readonly sequence: number;
  readonly cancelled?: boolean | undefined;
}

export interface Occurrence {
  readonly bookingId: string;
  /** 1-based ordinal in the unmodified series. */
  readonly occurrence: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly title: string;
  readonly participants: readonly BookingParticipant[];
  readonly pin: string | undefined;
  readonly type: BookingType;
  readonly bridge: string | undefined;
}

export type ConflictReason = 'capacityExceeded' | 'participantDoubleBooked';

export interface Conflict {
  readonly reason: ConflictReason;
  /** The occurrence of the candidate booking that conflicts. */
  readonly occurrence: number;
  readonly startMs: number;
  readonly endMs: number;
  /** For participantDoubleBooked: the URI booked twice. */
  readonly participant?: string | undefined;
  /** The other bookings involved. */
  readonly with: readonly string[];
  /** For capacityExceeded: the first instant the range is over-full during this occurrence. */
  readonly atMs?: number | undefined;
  /** For capacityExceeded: the most spaces needed at once during this occurrence (setup margin included). */
  readonly concurrent?: number | undefined;
}
