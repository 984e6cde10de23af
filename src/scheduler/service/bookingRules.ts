/**
 * The booking rules the scheduler uses (validation, occurrence expansion with time zones / DST /
 * exceptions / overrides, conflicts), from src/scheduler/bookings/. One import point, so the service
 * names exactly what it depends on.
 */
export {
  describeConflict,
  expandOccurrences,
  findConflicts,
  parseBookingCreate,
  parseBookingPatch,
  type BookingInput,
  type FieldIssue,
  type ValidationResult,
} from '../bookings/index.ts';
