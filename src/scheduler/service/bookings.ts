/**
 * Bookings: validate, pick the bridge, expand the series into meetings, refuse conflicts (capacity of
 * the bridge's range, participants booked twice), and keep the runner's actions in step with every
 * change. Meetings already running or finished are never rewritten by a change to their series.
 */
import type { Clock } from '../../shared/clock.ts';
import { newGuid } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { BookingSeries, Conflict, OccurrenceOverride, Occurrence } from '../bookings/types.ts';
import { bridgeReady, rangeSize, type ManagedBridge } from '../domain/bridge.ts';
import { isActive, isFinished, meetingKey, type Meeting } from '../domain/meeting.ts';
import { CmsError, fromCmsError, schedulerErrors } from '../errors.ts';
import type { Runner } from '../runner/runner.ts';
import type { InvitationService } from './invitations.ts';
import type { StoredAuditEntry } from '../storage/auditStore.ts';
import type { SchedulerStorage, SchedulerStores } from '../storage/index.ts';
import { describeConflict, expandOccurrences, findConflicts, parseBookingCreate, parseBookingPatch, type BookingInput } from './bookingRules.ts';

export interface ParticipantView {
  readonly uri: string;
  readonly mode: 'dialOut' | 'dialIn';
  readonly name?: string | undefined;
  /** Dial-out progress: pending | dialling | dialled | failed. */
  readonly dialState?: string | undefined;
  readonly dialAttempts?: number | undefined;
  readonly callLeg?: string | null | undefined;
  /** In the call right now (from the bridge's GET /calls/<id>/callLegs); null when not asked / unknown. */
  readonly connected: boolean | null;
}

export interface OccurrenceView {
  readonly occurrence: number;
  readonly start: string;
  readonly end: string;
  readonly title: string;
  readonly state: Meeting['state'];
  readonly bridge: string | null;
  readonly endpoint: Meeting['endpoint'];
  readonly space: { readonly number: number; readonly coSpace: string | null } | null;
  readonly call: string | null;
  readonly error: string | null;
  readonly participants: ParticipantView[];
  /** Call legs on the bridge not matched to a booked participant (people who dialled in). */
  readonly otherCallLegs?: number | undefined;
}

export interface BookingView extends BookingSeries {
  readonly occurrences: OccurrenceView[];
}

const DEFAULT_HORIZON_MS = 400 * 24 * 3_600_000;

function toOccurrence(m: Meeting): Occurrence {
  return {
    bookingId: m.bookingId,
    occurrence: m.occurrence,
    startMs: m.startMs,
    endMs: m.endMs,
    title: m.title,
    participants: m.participants,
    pin: m.pin ?? undefined,
    type: m.type,
    bridge: m.bridgeId ?? undefined,
  };
}

const normalizeUri = (uri: string | undefined): string => (uri ?? '').trim().toLowerCase().replace(/^sips?:/, '');

function inputOf(series: BookingSeries): BookingInput {
  const { id: _id, sequence: _s, cancelled: _c, ...input } = series;
  return input;
}

export class BookingService {
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: SchedulerStorage,
    private readonly runner: Runner,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Invitation e-mails (REQUEST on create/change, CANCEL on cancellation); none when undefined. */
    private readonly invitations?: InvitationService,
    private readonly horizonMs = DEFAULT_HORIZON_MS,
  ) {}

  /**
   * Booking changes run one at a time in this process, and each runs in a transaction holding the
   * booking-changes lock (`BookingStore.lockChanges`), so two bookings, in this process or another
   * on the same database, cannot both take the last space.
   */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async create(body: unknown): Promise<BookingView> {
    const parsed = parseBookingCreate(body);
    if (!parsed.ok) throw schedulerErrors.validation(parsed.issues);
    const series: BookingSeries = { ...parsed.value, id: newGuid(), sequence: 0 };
    await this.#serial(() => this.#materialize(series, true));
    this.runner.kick();
    this.invitations?.notify(series, { method: 'REQUEST' });
    this.logger.info({ booking: series.id, organizer: series.organizer }, 'booking created');
    return this.get(series.id);
  }

  async patch(id: string, body: unknown): Promise<BookingView> {
    const current = await this.#series(id);
    const parsed = parseBookingPatch(inputOf(current), body);
    if (!parsed.ok) throw schedulerErrors.validation(parsed.issues);
    const next: BookingSeries = { ...parsed.value, id, sequence: current.sequence + 1 };
    await this.#serial(() => this.#materialize(next, false));
    this.runner.kick();
    this.invitations?.notify(next, { method: 'REQUEST' });
    return this.get(id);
  }

  /** Changes one occurrence (start, end, title, participants, pin): an override of the series. */
  async patchOccurrence(id: string, occurrence: number, body: unknown): Promise<BookingView> {
    const current = await this.#series(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw schedulerErrors.badRequest('the body must be a JSON object');
    const meeting = await this.storage.meetings.get(id, occurrence);
    if (meeting && isActive(meeting.state)) throw schedulerErrors.invalidState(`occurrence ${occurrence} is in progress: use .../extend or .../end`);
    if (meeting && isFinished(meeting.state) && meeting.state !== 'cancelled') throw schedulerErrors.invalidState(`occurrence ${occurrence} is over`);
    const previous = current.overrides?.find((o) => o.occurrence === occurrence);
    const change = { ...previous, ...(body as Record<string, unknown>), occurrence } as OccurrenceOverride;
    const overrides = [...(current.overrides ?? []).filter((o) => o.occurrence !== occurrence), change];
    return this.patch(id, { overrides });
  }

  async remove(id: string): Promise<void> {
    const current = await this.#series(id);
    const series: BookingSeries = { ...current, cancelled: true, sequence: current.sequence + 1 };
    await this.#serial(async () => {
      await this.storage.transaction(async (s) => {
        await s.bookings.update(series, this.clock.now());
        for (const m of await s.meetings.ofBooking(id)) await this.#retire(s, m);
      });
    });
    this.runner.kick();
    this.invitations?.notify(series, { method: 'CANCEL' });
  }

  async removeOccurrence(id: string, occurrence: number): Promise<BookingView> {
    const current = await this.#series(id);
    const meeting = await this.storage.meetings.get(id, occurrence);
    if (!meeting) throw schedulerErrors.notFound('occurrence', `${id}/${occurrence}`);
    const overrides = [
      ...(current.overrides ?? []).filter((o) => o.occurrence !== occurrence),
      { ...current.overrides?.find((o) => o.occurrence === occurrence), occurrence, cancelled: true },
    ];
    const series: BookingSeries = { ...current, overrides, sequence: current.sequence + 1 };
    await this.#serial(async () => {
      await this.storage.transaction(async (s) => {
        await s.bookings.update(series, this.clock.now());
        await this.#retire(s, meeting);
      });
    });
    this.runner.kick();
    this.invitations?.notify(series, { method: 'CANCEL', occurrence });
    return this.get(id);
  }

  /** A meeting leaving the schedule: a scheduled one is cancelled; a running one is ended now. */
  async #retire(s: SchedulerStores, m: Meeting): Promise<void> {
    const now = this.clock.now();
    if (m.state === 'scheduled') {
      await s.meetings.update(m.bookingId, m.occurrence, { state: 'cancelled' }, now);
      await s.actions.cancel(m.bookingId, m.occurrence);
      if (m.bridgeId !== null) await s.bridges.release(m.bridgeId, meetingKey(m.bookingId, m.occurrence));
    } else if (isActive(m.state)) {
      await s.actions.schedule('end', m.bookingId, m.occurrence, now, now);
    }
  }

  async extend(id: string, occurrence: number, minutes: unknown): Promise<OccurrenceView> {
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 720) {
      throw schedulerErrors.validation([{ path: 'minutes', message: 'must be an integer from 1 to 720' }]);
    }
    // Checked and moved under the booking-changes lock (no transaction may wait on the bridge), then
    // the trace's re-PUT; if the bridge does not take it, the end moves back.
    const { meeting, newEnd } = await this.#serial(() =>
      this.storage.transaction(async (s) => {
        await s.bookings.lockChanges();
        const meeting = await s.meetings.get(id, occurrence);
        if (!meeting) throw schedulerErrors.notFound('occurrence', `${id}/${occurrence}`);
        if (!isActive(meeting.state)) throw schedulerErrors.invalidState(`occurrence ${occurrence} is ${meeting.state}, not in progress`);
        const bridge = meeting.bridgeId === null ? undefined : await s.bridges.get(meeting.bridgeId);
        if (!bridge) throw schedulerErrors.bridgeNotConfigured('the meeting has no bridge');
        const newEnd = meeting.endMs + minutes * 60_000;
        const others = (await s.meetings.overlapping(meeting.endMs, newEnd, bridge.id)).filter((m) => m.bookingId !== id || m.occurrence !== occurrence);
        const conflicts = findConflicts([{ ...toOccurrence(meeting), endMs: newEnd }], others.map(toOccurrence), rangeSize(bridge.range)).filter(
          (c) => c.reason === 'capacityExceeded',
        );
        if (conflicts.length > 0) {
          throw schedulerErrors.spaceNeeded('the space is needed by another meeting in the extended time', conflicts.map((c) => ({ ...c, message: describeConflict(c, rangeSize(bridge.range)) })));
        }
        await s.meetings.update(id, occurrence, { endMs: newEnd }, this.clock.now());
        await s.actions.schedule('end', id, occurrence, newEnd, this.clock.now());
        return { meeting, newEnd };
      }),
    );
    try {
      await this.runner.markExtended(meeting);
    } catch (error) {
      await this.storage.transaction(async (s) => {
        const now = this.clock.now();
        const current = await s.meetings.get(id, occurrence);
        if (current?.endMs !== newEnd || !isActive(current.state)) return;
        await s.meetings.update(id, occurrence, { endMs: meeting.endMs }, now);
        await s.actions.schedule('end', id, occurrence, Math.max(meeting.endMs, now), now);
      });
      if (error instanceof CmsError) throw fromCmsError(error);
      throw error;
    }
    return this.occurrenceView(await this.#meeting(id, occurrence), true);
  }

  async endNow(id: string, occurrence: number): Promise<OccurrenceView> {
    const meeting = await this.#meeting(id, occurrence);
    if (!isActive(meeting.state)) throw schedulerErrors.invalidState(`occurrence ${occurrence} is ${meeting.state}, not in progress`);
    await this.storage.actions.schedule('end', id, occurrence, this.clock.now(), this.clock.now());
    this.runner.kick();
    return this.occurrenceView(meeting, false);
  }

  async get(id: string, live = true): Promise<BookingView> {
    const stored = await this.storage.bookings.get(id);
    if (!stored) throw schedulerErrors.notFound('booking', id);
    const meetings = await this.storage.meetings.ofBooking(id);
    return { ...stored.series, occurrences: await Promise.all(meetings.map((m) => this.occurrenceView(m, live))) };
  }

  async list(organizer?: string): Promise<BookingView[]> {
    const all = await this.storage.bookings.list({ organizer });
    return Promise.all(all.map((b) => this.get(b.series.id, false)));
  }

  async occurrence(id: string, occurrence: number): Promise<OccurrenceView> {
    return this.occurrenceView(await this.#meeting(id, occurrence), true);
  }

  async audit(id: string, occurrence?: number): Promise<StoredAuditEntry[]> {
    await this.#series(id);
    return this.storage.audit.ofMeeting(id, occurrence);
  }

  async series(id: string): Promise<BookingSeries> {
    return this.#series(id);
  }

  async occurrenceView(m: Meeting, live: boolean): Promise<OccurrenceView> {
    const legs = live ? await this.runner.connectedLegs(m) : undefined;
    const dialOuts = await this.storage.meetings.dialOuts(m.bookingId, m.occurrence);
    const matched = new Set<string>();
    const participants = m.participants.map((p): ParticipantView => {
      const d = dialOuts.find((x) => x.uri === p.uri);
      const leg = legs?.find((l) => (d?.callLegId !== null && d?.callLegId !== undefined && l.id === d.callLegId) || normalizeUri(l.remoteParty) === normalizeUri(p.uri));
      if (leg) matched.add(leg.id);
      return {
        uri: p.uri,
        mode: p.mode,
        ...(p.name === undefined ? {} : { name: p.name }),
        ...(d ? { dialState: d.state, dialAttempts: d.attempts, callLeg: d.callLegId } : {}),
        connected: legs === undefined ? null : leg !== undefined,
      };
    });
    return {
      occurrence: m.occurrence,
      start: new Date(m.startMs).toISOString(),
      end: new Date(m.endMs).toISOString(),
      title: m.title,
      state: m.state,
      bridge: m.bridgeId,
      endpoint: m.endpoint,
      space: m.spaceNumber === null ? null : { number: m.spaceNumber, coSpace: m.coSpaceId },
      call: m.callId,
      error: m.error,
      participants,
      ...(legs === undefined ? {} : { otherCallLegs: legs.filter((l) => !matched.has(l.id)).length }),
    };
  }

  async #series(id: string): Promise<BookingSeries> {
    const stored = await this.storage.bookings.get(id);
    if (!stored) throw schedulerErrors.notFound('booking', id);
    return stored.series;
  }

  async #meeting(id: string, occurrence: number): Promise<Meeting> {
    const m = await this.storage.meetings.get(id, occurrence);
    if (!m) throw schedulerErrors.notFound('occurrence', `${id}/${occurrence}`);
    return m;
  }


  async #pickBridge(s: SchedulerStores, requested: string | undefined): Promise<ManagedBridge> {
    if (requested !== undefined) {
      const bridge = await s.bridges.get(requested);
      if (!bridge) throw schedulerErrors.validation([{ path: 'bridge', message: `bridge ${requested} does not exist` }]);
      if (!bridgeReady(bridge)) throw schedulerErrors.bridgeNotConfigured(`bridge ${requested} has no provisioned conference-ID range yet`);
      return bridge;
    }
    const ready = (await s.bridges.list()).find(bridgeReady);
    if (!ready) throw schedulerErrors.bridgeNotConfigured('no managed bridge is ready for meetings (add one and set its domain and conference-ID range)');
    return ready;
  }

  /** Stores the series and (re)creates its not-yet-started meetings, refusing conflicts. */
  async #materialize(series: BookingSeries, isNew: boolean): Promise<void> {
    await this.storage.transaction(async (s) => {
      await s.bookings.lockChanges();
      await this.#materializeLocked(s, series, isNew);
    });
  }

  async #materializeLocked(s: SchedulerStores, series: BookingSeries, isNew: boolean): Promise<void> {
    const now = this.clock.now();
    const bridge = await this.#pickBridge(s, series.bridge);
    const existing = isNew ? [] : await s.meetings.ofBooking(series.id);
    const keep = new Map(existing.filter((m) => m.state !== 'scheduled' && m.state !== 'cancelled').map((m) => [m.occurrence, m]));
    const occurrences = expandOccurrences({ ...series, bridge: bridge.id }, now, now + this.horizonMs).filter((o) => !keep.has(o.occurrence));
    if (occurrences.length > 0) {
      const from = Math.min(...occurrences.map((o) => o.startMs));
      const to = Math.max(...occurrences.map((o) => o.endMs));
      const around = (await s.meetings.overlapping(from, to)).filter((m) => m.bookingId !== series.id);
      const capacity = rangeSize(bridge.range) - bridge.missingSpaces.length;
      const conflicts: Conflict[] = [
        ...findConflicts(occurrences, around.filter((m) => m.bridgeId === bridge.id).map(toOccurrence), capacity).filter((c) => c.reason === 'capacityExceeded'),
        ...findConflicts(occurrences, around.map(toOccurrence), Number.MAX_SAFE_INTEGER).filter((c) => c.reason === 'participantDoubleBooked'),
      ];
      if (conflicts.length > 0) {
        throw schedulerErrors.bookingConflict(conflicts.map((c) => ({ ...c, message: describeConflict(c, capacity) })));
      }
    }
    if (isNew) await s.bookings.insert(series, now);
    else await s.bookings.update(series, now);
    const wanted = new Set(occurrences.map((o) => o.occurrence));
    for (const m of existing) {
      if (m.state === 'scheduled' && !wanted.has(m.occurrence)) await this.#retire(s, m);
    }
    for (const o of occurrences) {
      const old = existing.find((m) => m.occurrence === o.occurrence);
      if (old) {
        await s.actions.cancel(o.bookingId, o.occurrence);
        await s.meetings.delete(o.bookingId, o.occurrence);
      }
      await s.meetings.insert({
        bookingId: o.bookingId,
        occurrence: o.occurrence,
        bridgeId: bridge.id,
        startMs: o.startMs,
        endMs: o.endMs,
        title: o.title,
        pin: o.pin ?? null,
        participants: o.participants,
        type: o.type,
        state: 'scheduled',
        spaceNumber: null,
        coSpaceId: null,
        callId: null,
        secret: null,
        endpoint: null,
        spaceOpened: false,
        callPosting: false,
        error: null,
        updatedMs: now,
      });
      await s.meetings.setDialOuts(o.bookingId, o.occurrence, o.participants.filter((p) => p.mode === 'dialOut'), now);
      await s.actions.schedule('start', o.bookingId, o.occurrence, Math.max(o.startMs, now), now);
    }
  }
}
