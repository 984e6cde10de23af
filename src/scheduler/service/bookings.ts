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
import { isActive, isFinished, meetingKey, type DialOut, type Meeting } from '../domain/meeting.ts';
import { CmsError } from '../../clients/cms/errors.ts';
import { fromCmsError, schedulerErrors } from '../errors.ts';
import type { Runner } from '../runner/runner.ts';
import type { InvitationService } from './invitations.ts';
import { nextTurn, Pacer } from './pacer.ts';
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
/** Candidate occurrences checked for conflicts together (see #conflicts). */
const CONFLICT_GROUP = 16;
/**
 * The most participants one booking may put into the meetings it schedules, counted per meeting (a
 * daily series of 100 participants has 100 per day): bounds the rows one request writes and the size of
 * its answer (docs/bookings.md, "Bounded work per request").
 */
export const MAX_SCHEDULED_PARTICIPANTS = 20_000;
/** A refused booking lists at most this many conflicts (the check stops once it has found them). */
export const MAX_REPORTED_CONFLICTS = 100;
/** Participants (and meetings) whose views are built from one read of their dial-outs. */
const VIEW_CHUNK_PARTICIPANTS = 1000;
const VIEW_CHUNK_MEETINGS = 100;
/** The scheduling window is expanded this much at a time (see #expand). */
const EXPAND_SLICE_MS = 100 * 86_400_000;

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

type CallLegs = Awaited<ReturnType<Runner['connectedLegs']>>;

/** A meeting as the API shows it; `legs` (live meetings only) say who is connected right now. */
function occurrenceViewOf(m: Meeting, dialOuts: readonly DialOut[], legs: CallLegs): OccurrenceView {
  const byUri = new Map(dialOuts.map((d) => [d.uri, d]));
  const matched = new Set<string>();
  const participants = m.participants.map((p): ParticipantView => {
    const d = byUri.get(p.uri);
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
    await nextTurn();
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
    await nextTurn();
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
    return this.#view(stored.series, live, new Pacer());
  }

  /** Every booking (of one organizer), one at a time, the event loop getting turns in between. */
  async list(organizer?: string): Promise<BookingView[]> {
    const all = await this.storage.bookings.list({ organizer });
    const pacer = new Pacer();
    const views: BookingView[] = [];
    for (const b of all) {
      views.push(await this.#view(b.series, false, pacer));
      await pacer.spend(20);
    }
    return views;
  }

  /** A series with its meetings; their dial-outs are read a bounded number of participants at a time. */
  async #view(series: BookingSeries, live: boolean, pacer: Pacer): Promise<BookingView> {
    const meetings = await this.storage.meetings.ofBooking(series.id);
    // Only live meetings have call legs to ask the bridge about.
    const legs = new Map<number, CallLegs>();
    if (live) {
      await Promise.all(
        meetings.filter((m) => m.state === 'live').map(async (m) => {
          legs.set(m.occurrence, await this.runner.connectedLegs(m));
        }),
      );
    }
    const occurrences: OccurrenceView[] = [];
    let i = 0;
    while (i < meetings.length) {
      // Meetings come ordered by occurrence: take a run of them holding about a turn's worth of participants.
      const chunk: Meeting[] = [];
      let participants = 0;
      while (i < meetings.length && (chunk.length === 0 || (participants < VIEW_CHUNK_PARTICIPANTS && chunk.length < VIEW_CHUNK_MEETINGS))) {
        const m = meetings[i] as Meeting;
        chunk.push(m);
        participants += m.participants.length;
        i++;
      }
      const dialOuts = new Map<number, DialOut[]>();
      const first = chunk[0] as Meeting;
      const last = chunk.at(-1) as Meeting;
      for (const d of await this.storage.meetings.dialOutsOfOccurrences(series.id, first.occurrence, last.occurrence)) {
        let list = dialOuts.get(d.occurrence);
        if (list === undefined) dialOuts.set(d.occurrence, (list = []));
        list.push(d);
      }
      for (const m of chunk) occurrences.push(occurrenceViewOf(m, dialOuts.get(m.occurrence) ?? [], live ? legs.get(m.occurrence) : undefined));
      await pacer.spend(20 + 10 * chunk.length + 2 * participants);
    }
    return { ...series, occurrences };
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
    return occurrenceViewOf(m, await this.storage.meetings.dialOuts(m.bookingId, m.occurrence), legs);
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
    const pacer = new Pacer();
    const bridge = await this.#pickBridge(s, series.bridge);
    const existing = isNew ? [] : await s.meetings.ofBooking(series.id);
    const keep = new Map(existing.filter((m) => m.state !== 'scheduled' && m.state !== 'cancelled').map((m) => [m.occurrence, m]));
    const occurrences = (await this.#expand({ ...series, bridge: bridge.id }, now, pacer)).filter((o) => !keep.has(o.occurrence));
    const places = occurrences.reduce((n, o) => n + o.participants.length, 0);
    if (places > MAX_SCHEDULED_PARTICIPANTS) {
      const days = Math.round(this.horizonMs / 86_400_000);
      throw schedulerErrors.validation([
        {
          path: 'participants',
          message: `the booking's meetings in the next ${days} days would have ${places} participants in all (${occurrences.length} meetings); at most ${MAX_SCHEDULED_PARTICIPANTS}: book fewer participants or fewer occurrences`,
        },
      ]);
    }
    const capacity = rangeSize(bridge.range) - bridge.missingSpaces.length;
    const conflicts = await this.#conflicts(s, series.id, bridge.id, capacity, occurrences, pacer);
    if (conflicts.length > 0) {
      throw schedulerErrors.bookingConflict(
        conflicts.map((c) => ({ ...c, message: describeConflict(c, capacity) })),
        conflicts.length >= MAX_REPORTED_CONFLICTS,
      );
    }
    if (isNew) await s.bookings.insert(series, now);
    else await s.bookings.update(series, now);
    const wanted = new Set(occurrences.map((o) => o.occurrence));
    for (const m of existing) {
      if (m.state === 'scheduled' && !wanted.has(m.occurrence)) await this.#retire(s, m);
      await pacer.spend(20);
    }
    const old = new Map(existing.map((m) => [m.occurrence, m]));
    for (const o of occurrences) {
      if (old.has(o.occurrence)) {
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
      const dialOuts = o.participants.filter((p) => p.mode === 'dialOut');
      await s.meetings.setDialOuts(o.bookingId, o.occurrence, dialOuts, now);
      await s.actions.schedule('start', o.bookingId, o.occurrence, Math.max(o.startMs, now), now);
      await pacer.spend(60 + o.participants.length + 2 * dialOuts.length);
    }
  }

  /**
   * The series' occurrences in the scheduling window [now, now + horizon), expanded a slice of the window
   * at a time with a turn of the event loop after each (an occurrence in two slices is kept once).
   */
  async #expand(series: BookingSeries, now: number, pacer: Pacer): Promise<Occurrence[]> {
    const byOrdinal = new Map<number, Occurrence>();
    for (let from = now; from < now + this.horizonMs; from += EXPAND_SLICE_MS) {
      for (const o of expandOccurrences(series, from, Math.min(from + EXPAND_SLICE_MS, now + this.horizonMs))) byOrdinal.set(o.occurrence, o);
      await pacer.turn();
    }
    return [...byOrdinal.values()].sort((a, b) => a.startMs - b.startMs || a.occurrence - b.occurrence);
  }

  /**
   * Conflicts of `occurrences` (the candidate series' meetings to be) with the meetings already booked:
   * capacity on the chosen bridge, participants on any bridge. Checked a group of occurrences at a time
   * against the meetings overlapping that group, so the work per turn of the event loop stays small
   * however many meetings are booked. A group ends only where the next occurrence starts after every
   * earlier one has ended, so occurrences that overlap each other are checked together (the result is
   * the same as one check over everything). Stops once MAX_REPORTED_CONFLICTS are found.
   */
  async #conflicts(s: SchedulerStores, bookingId: string, bridgeId: string, capacity: number, occurrences: readonly Occurrence[], pacer: Pacer): Promise<Conflict[]> {
    const sorted = [...occurrences].sort((a, b) => a.startMs - b.startMs || a.occurrence - b.occurrence);
    const capacityConflicts: Conflict[] = [];
    const participantConflicts: Conflict[] = [];
    let i = 0;
    while (i < sorted.length && capacityConflicts.length + participantConflicts.length < MAX_REPORTED_CONFLICTS) {
      const group: Occurrence[] = [];
      let from = Infinity;
      let to = -Infinity;
      while (i < sorted.length) {
        const o = sorted[i] as Occurrence;
        if (group.length >= CONFLICT_GROUP && o.startMs >= to) break;
        group.push(o);
        from = Math.min(from, o.startMs);
        to = Math.max(to, o.endMs);
        i++;
      }
      const around = (await s.meetings.overlapping(from, to)).filter((m) => m.bookingId !== bookingId);
      for (const c of findConflicts(group, around.filter((m) => m.bridgeId === bridgeId).map(toOccurrence), capacity)) {
        if (c.reason === 'capacityExceeded') capacityConflicts.push(c);
      }
      for (const c of findConflicts(group, around.map(toOccurrence), Number.MAX_SAFE_INTEGER)) {
        if (c.reason === 'participantDoubleBooked') participantConflicts.push(c);
      }
      await pacer.spend(20 + 3 * around.length + group.reduce((n, o) => n + o.participants.length, 0));
    }
    return [...capacityConflicts, ...participantConflicts].slice(0, MAX_REPORTED_CONFLICTS);
  }
}
