/** The scheduler's booking rules: recurrence, time zones, validation, conflicts, iCalendar, invitations. */
export type * from './types.ts';
export {
  DEFAULT_MAX_OCCURRENCES,
  MAX_SERIES_OCCURRENCES,
  MAX_SERIES_YEARS,
  RecurrenceError,
  expandOccurrences,
  occurrenceOf,
  originalOccurrence,
  seriesSpan,
  type OriginalOccurrence,
  type SeriesSpan,
} from './recurrence.ts';
export { compileRule, MAX_WALK_STEPS, walkRule, type CompiledRule, type RuleWalk } from './rule.ts';
export {
  MAX_CHANGED_OCCURRENCES,
  MAX_DURATION_MS,
  MAX_OVERRIDES,
  MAX_PARTICIPANT_ENTRIES,
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
