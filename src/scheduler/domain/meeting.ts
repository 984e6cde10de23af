/**
 * One occurrence of a booking as the runner sees it: its state, the space and call it uses, and the
 * progress markers that make every step resumable after a restart. No HTTP, no SQL.
 */
import type { BookingParticipant, BookingType } from '../bookings/types.ts';

export type MeetingState = 'scheduled' | 'starting' | 'live' | 'ended' | 'failed' | 'cancelled';

export type Endpoint = 'primary' | 'alternate';

export interface Meeting {
  readonly bookingId: string;
  readonly occurrence: number;
  readonly bridgeId: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly title: string;
  readonly pin: string | null;
  readonly participants: readonly BookingParticipant[];
  readonly type: BookingType;
  readonly state: MeetingState;
  readonly spaceNumber: number | null;
  readonly coSpaceId: string | null;
  readonly callId: string | null;
  readonly secret: string | null;
  readonly endpoint: Endpoint | null;
  /** The opening PUT was answered (recorded in the same write as `callPosting`, just before POST /calls). */
  readonly spaceOpened: boolean;
  /** POST /calls was about to be sent: on resume, look for an existing call before posting again. */
  readonly callPosting: boolean;
  readonly error: string | null;
  readonly updatedMs: number;
}

export type DialOutState = 'pending' | 'dialling' | 'dialled' | 'failed';

export interface DialOut {
  readonly bookingId: string;
  readonly occurrence: number;
  readonly uri: string;
  readonly name: string | null;
  /** dialling = POST sent, answer not recorded yet (on resume: look on the bridge before dialling again). */
  readonly state: DialOutState;
  readonly callLegId: string | null;
  readonly attempts: number;
  readonly updatedMs: number;
}

export type ActionKind = 'start' | 'monitor' | 'end';

export interface Action {
  readonly id: string;
  readonly kind: ActionKind;
  readonly bookingId: string;
  readonly occurrence: number;
  readonly dueMs: number;
  readonly attempts: number;
}

/** States in which a meeting holds (or may hold) a space on the bridge. */
export function isActive(state: MeetingState): boolean {
  return state === 'starting' || state === 'live';
}

export function isFinished(state: MeetingState): boolean {
  return state === 'ended' || state === 'failed' || state === 'cancelled';
}

/** `bookingId#occurrence`, the holder recorded on a space. */
export function meetingKey(bookingId: string, occurrence: number): string {
  return `${bookingId}#${occurrence}`;
}

/** The passcode fields of the opening PUT (also sent again to mark an extension). */
export function openSpaceFields(meeting: Pick<Meeting, 'title' | 'pin'>, secret: string): Record<string, string | boolean> {
  return { nonMemberAccess: true, passcode: meeting.pin ?? '', name: meeting.title, secret };
}
