/** The scheduler's booking rules: recurrence, time zones, validation, conflicts, iCalendar, invitations. */
export type * from './types.ts';
export {
  DEFAULT_MAX_OCCURRENCES,
  MAX_SERIES_OCCURRENCES,
  RecurrenceError,
  expandOccurrences,
  occurrenceOf,
  originalOccurrence,
  seriesSpan,
  type OriginalOccurrence,
  type SeriesSpan,
} from './recurrence.ts';
export { compileRule, type CompiledRule } from './rule.ts';
export {
  MAX_DURATION_MS,
  MAX_PARTICIPANTS,
  MAX_PIN_LENGTH,
  MAX_TITLE_LENGTH,
  MIN_DURATION_MS,
  bookingCreateSchema,
  bookingPatchSchema,
  checkBookingRules,
  overrideSchema,
  parseBookingCreate,
  parseBookingPatch,
  participantSchema,
  type BookingInput,
  type BookingPatch,
  type FieldIssue,
  type ValidationResult,
} from './validation.ts';
export { describeConflict, findConflicts, normalizeParticipantUri, type ConflictOptions } from './conflicts.ts';
export {
  bookingCalendar,
  bookingUid,
  dialInUri,
  invitationAddress,
  organizerFeed,
  type CalendarOptions,
  type DialIn,
  type FeedOptions,
} from './ical.ts';
export {
  createBookingMailer,
  invitationRecipients,
  type BookingMailer,
  type InvitationOptions,
  type InvitationResult,
  type SmtpConfig,
} from './mailer.ts';
export { canonicalTimeZone, isValidTimeZone } from './zone.ts';
