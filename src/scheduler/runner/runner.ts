/**
 * Runs booked meetings on their bridges the way TMS does, from durable actions in the database:
 *
 * - start: GET system/status, GET participants, GET coSpaces, PUT the lowest free space open (title, PIN,
 *   new secret), POST /calls, GET status/coSpaces/calls/calllegs, then one POST callLegs per dial-out;
 * - monitor: GET /calls/<id>/callLegs and re-dial a dial-out participant that dropped or failed, up to a limit;
 * - end: GET status/coSpaces/calls/coSpaces, PUT the space back to `TMS_Scheduled_Meeting_<n>` (closed,
 *   passcode cleared, secret regenerated), DELETE the call; the space is free again.
 *
 * Actions are claimed with leases, so several scheduler processes on one Postgres never run one twice.
 * The runner wakes when the next action falls due (looking at least every `pollMs`). Every step is
 * recorded before and after its request, so a restart resumes without a second call or a second
 * dial-out. An unreachable bridge is retried with backoff; a meeting that has not opened its space yet
 * fails over to the bridge's alternate address; a meeting in progress is never moved.
 *
 * A burst of starts (a thousand meetings at 10:00) is ordered per bridge by a StartGate: a few starts
 * at a time run from the space claim to POST /calls, and the rest of each start (the trace's GETs, the
 * dial-outs) and monitor passes wait until no start on that bridge is still before its call. Each
 * meeting still sends the trace's sequence in the trace's order; only the interleaving across meetings
 * changes. See docs/scheduler.md.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { newGuid } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { CmsClient } from '../../clients/cms/client.ts';
import type { CmsClients } from '../bridges/cmsClients.ts';
import { AuditLog } from '../storage/auditLog.ts';
import { cmsAuditEntry } from '../storage/auditStore.ts';
import { spaceName, type ManagedBridge } from '../domain/bridge.ts';
import { isFinished, meetingKey, openSpaceFields, type Action, type DialOut, type Endpoint, type Meeting } from '../domain/meeting.ts';
import { CmsError } from '../../clients/cms/errors.ts';
import { StartGate } from './startGate.ts';
import type { SchedulerStorage } from '../storage/index.ts';

export interface RunnerOptions {
  /** This process's lease owner name (default: a new GUID). */
  readonly owner?: string;
  /** Longest sleep between two looks for due actions (default 250 ms); the runner wakes earlier, at the next action's due time. */
  readonly pollMs?: number;
  /** How long a claimed action stays ours without renewal (default 60 s). */
  readonly leaseMs?: number;
  /** Actions run at once by this process (default 1000: a whole start burst in flight at once; see BENCHMARKS.md). */
  readonly concurrency?: number;
  /** Starts on one bridge running their steps from the space claim to POST /calls at once (default 16, the CMS client's connections per bridge; see StartGate). */
  readonly startConcurrency?: number;
  /** Longest a started meeting's checks and dial-outs, or a monitor pass, wait for other starts on the bridge to get their call (default 5 s). */
  readonly startHoldMs?: number;
  /** Dial attempts per participant, first one included (default 3). */
  readonly maxDialAttempts?: number;
  /** How often a live meeting's call legs are checked for dropped dial-outs (default 15 s). */
  readonly monitorIntervalMs?: number;
  /** First retry delay of an action whose bridge was unreachable; doubles per attempt (default 2 s, max 60 s). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Thrown inside an action to run it again later. */
class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs?: number,
  ) {
    super(message);
  }
}

/** Bridges by id (read once per claim of actions). */
type BridgeLookup = (id: string) => Promise<ManagedBridge | undefined>;

/** One claim of due actions: when it was made, what it launched, and whether it used every free slot. */
interface Claim {
  readonly atMs: number;
  readonly launched: Promise<void>[];
  readonly full: boolean;
}

const normalizeUri = (uri: string | undefined): string => (uri ?? '').trim().toLowerCase().replace(/^sips?:/, '');

export class Runner {
  readonly owner: string;
  readonly #o: Required<Omit<RunnerOptions, 'owner'>>;
  readonly #inflight = new Set<Promise<void>>();
  /** Meetings' audit entries, written in groups (see AuditLog). */
  readonly #audit: AuditLog;
  /** Start priority per managed bridge (see StartGate). */
  readonly #gates = new Map<string, StartGate>();
  /** Pre-start checks in flight, per bridge address (see #preflight). */
  readonly #preflights = new Map<string, Promise<void>>();
  #timer: TimerHandle | undefined;
  #running = false;
  #ticking = false;

  constructor(
    private readonly storage: SchedulerStorage,
    private readonly clients: CmsClients,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    this.owner = options.owner ?? newGuid();
    this.#audit = new AuditLog(storage.audit);
    this.#o = {
      pollMs: options.pollMs ?? 250,
      leaseMs: options.leaseMs ?? 60_000,
      concurrency: options.concurrency ?? 1000,
      startConcurrency: options.startConcurrency ?? 16,
      startHoldMs: options.startHoldMs ?? 5_000,
      maxDialAttempts: options.maxDialAttempts ?? 3,
      monitorIntervalMs: options.monitorIntervalMs ?? 15_000,
      retryBaseMs: options.retryBaseMs ?? 2_000,
      retryMaxMs: options.retryMaxMs ?? 60_000,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    await Promise.allSettled([...this.#inflight]);
  }

  /** Look for due actions now (after a booking or an "end now"). */
  kick(): void {
    if (this.#running) this.#schedule(0);
  }

  #isRunning(): boolean {
    return this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer?.cancel();
    this.#timer = this.clock.setTimeout(() => void this.#tick(), delayMs);
  }

  async #tick(): Promise<void> {
    if (!this.#running || this.#ticking) return;
    this.#ticking = true;
    let delay = this.#o.pollMs;
    try {
      const claim = await this.#claimAndLaunch();
      this.logger.trace({ launched: claim.launched.length }, 'runner tick');
      delay = await this.#nextDelay(claim);
    } catch (error) {
      this.logger.error({ err: error }, 'runner tick failed');
    } finally {
      this.#ticking = false;
      if (this.#isRunning()) this.#schedule(delay);
    }
  }

  /**
   * How long to sleep after a claim: until the next pending action falls due, at most `pollMs` (other
   * processes may add actions). Waking at the due time, not on the next poll, is what keeps a start from
   * being up to `pollMs` late. When the claim filled every free slot, more may be due already: the next
   * poll looks again.
   */
  async #nextDelay(claim: Claim): Promise<number> {
    if (claim.full) return this.#o.pollMs;
    const next = await this.storage.actions.nextDue(claim.atMs);
    if (next === undefined) return this.#o.pollMs;
    return Math.min(this.#o.pollMs, Math.max(0, next - this.clock.now()));
  }

  async #claimAndLaunch(): Promise<Claim> {
    const atMs = this.clock.now();
    const room = this.#o.concurrency - this.#inflight.size;
    if (room <= 0) return { atMs, launched: [], full: true };
    const actions = await this.storage.actions.claimDue(this.owner, atMs, this.#o.leaseMs, room);
    if (actions.length === 0) return { atMs, launched: [], full: false };
    // A burst of starts reads its meetings in one query and each bridge once, not once per action.
    const meetings = new Map((await this.storage.meetings.getMany(actions)).map((m) => [meetingKey(m.bookingId, m.occurrence), m]));
    const bridges = this.#bridgeLookup();
    // Starts first: each registers with its bridge's StartGate before a monitor pass of the same claim
    // asks the gate whether starts are pending.
    const ordered = [...actions.filter((a) => a.kind === 'start'), ...actions.filter((a) => a.kind !== 'start')];
    const launched = ordered.map((action) => {
      const p = this.#run(action, meetings.get(meetingKey(action.bookingId, action.occurrence)), bridges).finally(() => this.#inflight.delete(p));
      this.#inflight.add(p);
      return p;
    });
    return { atMs, launched, full: actions.length >= room };
  }

  /**
   * Claims every due action and waits for them, and for any action this runner's own ticks already
   * had in flight, so that everything due is done when it resolves (tests and tools drive the runner
   * with this). Returns how many actions it launched itself.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const { launched } = await this.#claimAndLaunch();
      if (launched.length === 0) {
        if (this.#inflight.size === 0) break;
        await Promise.allSettled([...this.#inflight]);
        continue;
      }
      total += launched.length;
      await Promise.all(launched);
    }
    return total;
  }

  /**
   * Renews the action's lease every third of the lease time while it runs, so a long action (slow or
   * retried requests) is never taken over by another process while this one is still working on it.
   */
  #keepLease(action: Action): () => void {
    let timer: TimerHandle | undefined;
    let stopped = false;
    const renew = (): void => {
      timer = this.clock.setTimeout(() => {
        void this.storage.actions
          .renew(action.id, this.owner, this.clock.now() + this.#o.leaseMs)
          .then((held) => {
            if (!held) this.logger.warn({ booking: action.bookingId, occurrence: action.occurrence, kind: action.kind }, 'action lease lost while running');
          })
          .catch((error: unknown) => this.logger.warn({ err: error, kind: action.kind }, 'action lease renewal failed'))
          .finally(() => {
            if (!stopped) renew();
          });
      }, Math.max(1, Math.floor(this.#o.leaseMs / 3)));
    };
    renew();
    return () => {
      stopped = true;
      timer?.cancel();
    };
  }

  async #run(action: Action, meeting: Meeting | undefined, bridges: BridgeLookup): Promise<void> {
    const release = this.#keepLease(action);
    try {
      await this.#runHeld(action, meeting, bridges);
    } finally {
      release();
    }
  }

  async #runHeld(action: Action, meeting: Meeting | undefined, bridges: BridgeLookup): Promise<void> {
    try {
      if (!meeting) {
        await this.storage.actions.complete(action.id, this.owner);
        return;
      }
      if (action.kind === 'start') await this.#start(action, meeting, bridges);
      else if (action.kind === 'monitor') await this.#monitor(meeting, bridges);
      else await this.#end(action, meeting, bridges);
      await this.storage.actions.complete(action.id, this.owner);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retry = error instanceof RetryLater || (error instanceof CmsError && error.unreachable);
      if (retry && meeting) {
        const delay = error instanceof RetryLater && error.delayMs !== undefined ? error.delayMs : Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** Math.max(0, action.attempts - 1));
        await this.#note(meeting, `${action.kind}: attempt ${action.attempts} did not complete (${message}); retrying in ${delay} ms`);
        await this.storage.actions.retryAt(action.id, this.owner, this.clock.now() + delay, message);
        return;
      }
      this.logger.warn({ booking: action.bookingId, occurrence: action.occurrence, kind: action.kind, error: message }, 'meeting action failed');
      if (meeting) {
        await this.#note(meeting, `${action.kind} failed: ${message}`);
        if (action.kind === 'start') await this.#failMeeting(meeting, message);
      }
      await this.storage.actions.fail(action.id, this.owner, message);
    }
  }

  /** Bridges by id, each read once for the actions of one claim. */
  #bridgeLookup(): BridgeLookup {
    const read = new Map<string, Promise<ManagedBridge | undefined>>();
    return (id) => {
      let bridge = read.get(id);
      if (!bridge) {
        bridge = this.storage.bridges.get(id);
        read.set(id, bridge);
      }
      return bridge;
    };
  }

  async #bridge(meeting: Meeting, bridges: BridgeLookup = (id) => this.storage.bridges.get(id)): Promise<ManagedBridge> {
    if (meeting.bridgeId === null) throw new Error('the meeting has no bridge');
    const bridge = await bridges(meeting.bridgeId);
    if (!bridge) throw new Error(`bridge ${meeting.bridgeId} no longer exists`);
    return bridge;
  }

  /** The bridge's client for one endpoint, writing every exchange to the meeting's audit log. */
  meetingClient(bridge: ManagedBridge, endpoint: Endpoint, meeting: Pick<Meeting, 'bookingId' | 'occurrence'>): CmsClient | undefined {
    return this.clients.for(bridge, endpoint)?.withObserver((e) =>
      this.#audit.append(cmsAuditEntry(e, { bookingId: meeting.bookingId, occurrence: meeting.occurrence, bridgeId: bridge.id })),
    );
  }

  async #note(meeting: Pick<Meeting, 'bookingId' | 'occurrence' | 'bridgeId'>, text: string): Promise<void> {
    await this.#audit.append({
      bookingId: meeting.bookingId,
      occurrence: meeting.occurrence,
      bridgeId: meeting.bridgeId,
      atMs: this.clock.now(),
      kind: 'note',
      error: text,
    });
  }

  async #update(meeting: Meeting, changes: Parameters<SchedulerStorage['meetings']['update']>[2]): Promise<Meeting> {
    await this.storage.meetings.update(meeting.bookingId, meeting.occurrence, changes, this.clock.now());
    return { ...meeting, ...changes };
  }

  async #failMeeting(meeting: Meeting, error: string): Promise<void> {
    const current = (await this.storage.meetings.get(meeting.bookingId, meeting.occurrence)) ?? meeting;
    if (isFinished(current.state)) return;
    if (current.spaceOpened || current.callId !== null || (current.coSpaceId !== null && current.endpoint !== null)) {
      // Something is, or may be, open on the bridge (a space was claimed, so its opening PUT may have
      // been answered without being recorded): let the end action close it, now.
      await this.storage.meetings.update(meeting.bookingId, meeting.occurrence, { error }, this.clock.now());
      await this.storage.actions.schedule('end', meeting.bookingId, meeting.occurrence, this.clock.now(), this.clock.now());
      return;
    }
    await this.storage.meetings.update(meeting.bookingId, meeting.occurrence, { state: 'failed', error }, this.clock.now());
    if (current.bridgeId !== null) await this.storage.bridges.release(current.bridgeId, meetingKey(meeting.bookingId, meeting.occurrence));
    await this.storage.actions.cancel(meeting.bookingId, meeting.occurrence);
  }

  // ---- start ----

  async #start(action: Action, initial: Meeting, bridges: BridgeLookup): Promise<void> {
    let meeting = initial;
    if (isFinished(meeting.state) || meeting.state === 'live') return;
    if (this.clock.now() >= meeting.endMs) throw new Error('the meeting ended before it could be started');
    const bridge = await this.#bridge(meeting, bridges);
    const gate = this.#gate(bridge.id);

    let posted: { sharedChecks: boolean } | undefined;
    if (meeting.callId === null) {
      const called = await gate.beforeCall(() => this.#openAndCall(bridge, gate, meeting));
      meeting = called.meeting;
      posted = { sharedChecks: called.sharedChecks };
    }
    // The rest waits while other starts on this bridge are still before their call (see StartGate).
    await gate.quiet();
    const client = this.#client(bridge, meeting.endpoint ?? 'primary', meeting);
    if (posted) {
      // Noted after the call is up, off the path that decides when it starts.
      if (posted.sharedChecks) await this.#note(meeting, 'connectivity checks (status, participants, coSpaces) shared with meetings starting at the same moment');
      await client.systemStatus();
      await client.coSpacesPage();
      await client.callsPage();
      await client.callLegsPage();
    }
    const callId = meeting.callId;
    if (callId === null) throw new Error('the meeting has no call');

    const dialOuts = meeting.type === 'automatic' ? await this.storage.meetings.dialOuts(meeting.bookingId, meeting.occurrence) : [];
    for (const d of dialOuts) {
      if (d.state === 'pending' || d.state === 'dialling') await this.#dial(client, meeting, callId, d);
    }
    await this.storage.meetings.update(meeting.bookingId, meeting.occurrence, { state: 'live', error: null }, this.clock.now());
    const now = this.clock.now();
    await this.storage.actions.schedule('end', meeting.bookingId, meeting.occurrence, meeting.endMs, now);
    if (dialOuts.length > 0 && now + this.#o.monitorIntervalMs < meeting.endMs) {
      await this.storage.actions.schedule('monitor', meeting.bookingId, meeting.occurrence, now + this.#o.monitorIntervalMs, now);
    }
    this.logger.info({ booking: meeting.bookingId, occurrence: meeting.occurrence, space: meeting.spaceNumber, call: callId, endpoint: meeting.endpoint, attempt: action.attempts }, 'meeting started');
  }

  /**
   * A start's steps up to its call: the pre-start checks (shared in a burst), the space claimed and
   * PUT open, POST /calls. Each step is recorded before and after its request (resume without a second
   * call); the steps after the checks run in one of the bridge's start slots.
   */
  async #openAndCall(bridge: ManagedBridge, gate: StartGate, initial: Meeting): Promise<{ meeting: Meeting; sharedChecks: boolean }> {
    let meeting = initial;
    let endpoint: Endpoint = meeting.endpoint ?? 'primary';
    let client = this.#client(bridge, endpoint, meeting);
    let sharedChecks = false;
    if (!meeting.spaceOpened) {
      try {
        sharedChecks = await this.#preflight(bridge.id, endpoint, client);
      } catch (error) {
        if (!(error instanceof CmsError && error.unreachable)) throw error;
        if (endpoint !== 'primary' || !bridge.alternate) throw error;
        await this.#note(meeting, `${bridge.address} unreachable (${error.message}); this meeting has not started, so it fails over to the alternate ${bridge.alternate.address}`);
        endpoint = 'alternate';
        client = this.#client(bridge, endpoint, meeting);
        sharedChecks = await this.#preflight(bridge.id, endpoint, client);
      }
    }
    // Recorded by an earlier attempt that may have sent POST /calls before it stopped.
    const mayHavePosted = meeting.callPosting;
    return gate.slot(async () => {
      if (!meeting.spaceOpened) {
        const space = await this.storage.bridges.claimLowestFree(bridge.id, meetingKey(meeting.bookingId, meeting.occurrence));
        if (!space?.coSpaceId) throw new Error('no free space in the conference-ID range');
        meeting = await this.#update(meeting, {
          state: 'starting',
          spaceNumber: space.number,
          coSpaceId: space.coSpaceId,
          endpoint,
          secret: meeting.secret ?? newGuid(),
        });
        await client.updateCoSpace(space.coSpaceId, openSpaceFields(meeting, meeting.secret ?? ''));
        // One write records both: the space is open, and POST /calls is about to be sent.
        meeting = await this.#update(meeting, { spaceOpened: true, callPosting: true });
      }
      const coSpaceId = meeting.coSpaceId;
      if (coSpaceId === null) throw new Error('the meeting has no space');
      let callId: string | undefined;
      if (mayHavePosted) {
        // We may have posted the call before a restart: look for it on the bridge first.
        callId = await this.#existingCall(client, coSpaceId);
        if (callId !== undefined) await this.#note(meeting, `resumed: found call ${callId} already on the space; not posting another`);
      }
      if (callId === undefined) {
        if (!meeting.callPosting) meeting = await this.#update(meeting, { callPosting: true });
        callId = await client.createCall(coSpaceId);
      }
      meeting = await this.#update(meeting, { callId, callPosting: false });
      return { meeting, sharedChecks };
    });
  }

  #gate(bridgeId: string): StartGate {
    let gate = this.#gates.get(bridgeId);
    if (!gate) {
      gate = new StartGate(this.clock, { concurrency: this.#o.startConcurrency, maxHoldMs: this.#o.startHoldMs });
      this.#gates.set(bridgeId, gate);
    }
    return gate;
  }

  #client(bridge: ManagedBridge, endpoint: Endpoint, meeting: Meeting): CmsClient {
    const client = this.meetingClient(bridge, endpoint, meeting);
    if (!client) throw new Error(`bridge ${bridge.id} has no ${endpoint} address`);
    return client;
  }

  /**
   * The trace's checks before a space is opened: GET system/status, GET participants, GET coSpaces.
   * Meetings starting on the same bridge address at the same moment share the round already in flight
   * instead of each sending its own: in a burst of starts (a thousand meetings at 10:00) they are
   * connectivity checks, and sending them per meeting would delay every call. A meeting starting on
   * its own still sends all three, in the trace's order. Returns true when the checks were shared.
   */
  async #preflight(bridgeId: string, endpoint: Endpoint, client: CmsClient): Promise<boolean> {
    const key = `${bridgeId}:${endpoint}`;
    const inFlight = this.#preflights.get(key);
    if (inFlight) {
      await inFlight;
      return true;
    }
    const round = (async () => {
      await client.systemStatus();
      await client.participantsPage();
      await client.coSpacesPage();
    })();
    this.#preflights.set(key, round);
    try {
      await round;
    } finally {
      this.#preflights.delete(key);
    }
    return false;
  }

  async #existingCall(client: CmsClient, coSpaceId: string): Promise<string | undefined> {
    let calls;
    try {
      calls = await client.calls(coSpaceId);
    } catch (error) {
      if (!(error instanceof CmsError) || error.unreachable) throw error;
      calls = await client.calls();
    }
    return calls.find((c) => c.coSpace === coSpaceId)?.id;
  }

  /** One dial-out, recorded before (dialling) and after (dialled + leg id): never dialled twice. */
  async #dial(client: CmsClient, meeting: Meeting, callId: string, d: DialOut): Promise<void> {
    const { bookingId, occurrence } = meeting;
    if (d.state === 'dialling') {
      const leg = (await client.callLegsOf(callId)).find((l) => normalizeUri(l.remoteParty) === normalizeUri(d.uri));
      if (leg) {
        await this.storage.meetings.updateDialOut(bookingId, occurrence, d.uri, { state: 'dialled', callLegId: leg.id }, this.clock.now());
        await this.#note(meeting, `resumed: ${d.uri} already has call leg ${leg.id}; not dialling again`);
        return;
      }
    }
    await this.storage.meetings.updateDialOut(bookingId, occurrence, d.uri, { state: 'dialling', attempts: d.attempts + 1 }, this.clock.now());
    try {
      const legId = await client.dialOut(callId, d.uri);
      await this.storage.meetings.updateDialOut(bookingId, occurrence, d.uri, { state: 'dialled', callLegId: legId }, this.clock.now());
    } catch (error) {
      if (error instanceof CmsError && !error.unreachable) {
        await this.storage.meetings.updateDialOut(bookingId, occurrence, d.uri, { state: 'failed' }, this.clock.now());
        await this.#note(meeting, `dial-out to ${d.uri} refused: ${error.message}`);
        return;
      }
      throw error;
    }
  }

  // ---- monitor ----

  async #monitor(meeting: Meeting, bridges: BridgeLookup): Promise<void> {
    if (meeting.state !== 'live' || meeting.callId === null || meeting.endpoint === null) return;
    const now = this.clock.now();
    if (now >= meeting.endMs) return;
    const bridge = await this.#bridge(meeting, bridges);
    await this.#gate(bridge.id).quiet();
    const client = this.#client(bridge, meeting.endpoint, meeting);
    try {
      const legs = await client.callLegsOf(meeting.callId);
      const present = new Set(legs.map((l) => l.id));
      for (const d of await this.storage.meetings.dialOuts(meeting.bookingId, meeting.occurrence)) {
        if (d.state !== 'dialled' || (d.callLegId !== null && present.has(d.callLegId))) continue;
        if (d.attempts >= this.#o.maxDialAttempts) {
          await this.storage.meetings.updateDialOut(meeting.bookingId, meeting.occurrence, d.uri, { state: 'failed' }, now);
          await this.#note(meeting, `${d.uri} is not in the call after ${d.attempts} attempts; giving up`);
          continue;
        }
        await this.#note(meeting, `${d.uri} dropped or did not answer; re-dialling (attempt ${d.attempts + 1} of ${this.#o.maxDialAttempts})`);
        await this.#dial(client, meeting, meeting.callId, { ...d, state: 'pending' });
      }
    } catch (error) {
      if (error instanceof CmsError && error.doesNotExist) {
        await this.#note(meeting, `call ${meeting.callId} no longer exists on the bridge; monitoring stops`);
        return;
      }
      if (!(error instanceof CmsError && error.unreachable)) throw error;
      await this.#note(meeting, `monitor: bridge unreachable (${error.message})`);
    }
    const next = this.clock.now() + this.#o.monitorIntervalMs;
    if (next < meeting.endMs) await this.storage.actions.schedule('monitor', meeting.bookingId, meeting.occurrence, next, this.clock.now());
  }

  // ---- end ----

  async #end(action: Action, initial: Meeting, bridges: BridgeLookup): Promise<void> {
    let meeting = initial;
    if (isFinished(meeting.state)) return;
    const key = meetingKey(meeting.bookingId, meeting.occurrence);
    const pendingStart = (await this.storage.actions.pending(meeting.bookingId, meeting.occurrence)).find((a) => a.kind === 'start');
    if (pendingStart && pendingStart.id !== action.id) {
      if (meeting.state === 'starting') throw new RetryLater('the start sequence is still running', 1_000);
      await this.storage.actions.cancel(meeting.bookingId, meeting.occurrence, 'start');
    }
    if (meeting.state === 'scheduled' || meeting.endpoint === null || meeting.coSpaceId === null) {
      if (meeting.bridgeId !== null) await this.storage.bridges.release(meeting.bridgeId, key);
      await this.storage.meetings.update(meeting.bookingId, meeting.occurrence, { state: meeting.state === 'scheduled' ? 'cancelled' : 'ended' }, this.clock.now());
      return;
    }
    const bridge = await this.#bridge(meeting, bridges);
    const client = this.#client(bridge, meeting.endpoint, meeting);
    await client.systemStatus();
    await client.coSpacesPage();
    await client.callsPage();
    await client.coSpacesPage();
    const number = meeting.spaceNumber ?? 0;
    await client.updateCoSpace(meeting.coSpaceId, { nonMemberAccess: false, passcode: '', name: spaceName(number), regenerateSecret: true });
    if (meeting.callId !== null) {
      try {
        await client.deleteCall(meeting.callId);
      } catch (error) {
        if (!(error instanceof CmsError && error.doesNotExist)) throw error;
      }
    }
    meeting = await this.#update(meeting, { state: 'ended' });
    await this.storage.bridges.release(bridge.id, key);
    await this.storage.actions.cancel(meeting.bookingId, meeting.occurrence, 'monitor');
    this.logger.info({ booking: meeting.bookingId, occurrence: meeting.occurrence, space: meeting.spaceNumber }, 'meeting ended');
  }

  /** The extension marker: the opening PUT again, same fields. */
  async markExtended(meeting: Meeting): Promise<void> {
    if (meeting.coSpaceId === null || meeting.endpoint === null) return;
    const bridge = await this.#bridge(meeting);
    await this.#client(bridge, meeting.endpoint, meeting).updateCoSpace(meeting.coSpaceId, openSpaceFields(meeting, meeting.secret ?? ''));
  }

  /** Call legs of a live meeting's call (for "who is connected"); undefined when it cannot be asked. */
  async connectedLegs(meeting: Meeting): Promise<Array<{ id: string; remoteParty: string | undefined }> | undefined> {
    if (meeting.state !== 'live' || meeting.callId === null || meeting.endpoint === null || meeting.bridgeId === null) return undefined;
    const bridge = await this.storage.bridges.get(meeting.bridgeId);
    const client = bridge ? this.meetingClient(bridge, meeting.endpoint, meeting) : undefined;
    if (!client) return undefined;
    try {
      return (await client.callLegsOf(meeting.callId)).map((l) => ({ id: l.id, remoteParty: l.remoteParty }));
    } catch {
      return undefined;
    }
  }
}
