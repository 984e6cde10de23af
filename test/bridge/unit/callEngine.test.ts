/**
 * The call engine alone: a FakeClock drives every transition and a MemoryCdrSink collects what it
 * emits. No HTTP, no storage (the engine reads none), no waiting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../src/shared/clock.ts';
import { silentLogger } from '../../../src/shared/logger.ts';
import { MemoryCdrSink, type CdrRecordBody } from '../../../src/bridge/cdr/recordBodies.ts';
import { DEFAULT_CALL_SETTINGS, type CallSettings } from '../../../src/bridge/domain/call.ts';
import { newCoSpace, type CoSpace } from '../../../src/bridge/domain/coSpace.ts';
import { CallEngine, type DialInDestination, type DialOutRequest, type NewCall } from '../../../src/bridge/engine/callEngine.ts';
import { toOutboundRule } from '../../../src/bridge/engine/dialPlan.ts';
import type { EndpointBehaviour } from '../../../src/bridge/engine/endpoints.ts';
import type { LegState, LiveLeg } from '../../../src/bridge/engine/types.ts';

const EVERYWHERE = toOutboundRule('rule-all', { domain: '*' });

/** A memory sink that also keeps which records were emitted together (one CDR post each). */
class BatchRecordingSink extends MemoryCdrSink {
  readonly batches: string[][] = [];

  override emit(atMs: number, records: readonly CdrRecordBody[]): void {
    this.batches.push(records.map((r) => r.type));
    super.emit(atMs, records);
  }
}

function rig(behaviours: EndpointBehaviour[] = []): { clock: FakeClock; cdr: BatchRecordingSink; engine: CallEngine; t0: number } {
  const clock = new FakeClock();
  const cdr = new BatchRecordingSink();
  const engine = new CallEngine({ clock, logger: silentLogger(), cdr, nodeId: 'node-1' });
  engine.endpoints.replace(behaviours);
  return { clock, cdr, engine, t0: clock.now() };
}

function newCall(fields: Partial<NewCall> = {}, settings: Partial<CallSettings> = {}): NewCall {
  return {
    coSpace: null,
    name: 'ad hoc',
    settings: { ...DEFAULT_CALL_SETTINGS, ...settings },
    limits: { participantLimit: null, tenantParticipantLimit: null },
    recorderUri: null,
    streamerUri: null,
    ...fields,
  };
}

function dialOutRequest(remoteParty: string, fields: Partial<DialOutRequest> = {}): DialOutRequest {
  return {
    remoteParty,
    profile: new Map(),
    overrides: new Map(),
    ownerId: null,
    chosenLayout: null,
    nameLabelOverride: null,
    importance: null,
    dtmfSequence: null,
    deactivated: false,
    routes: [EVERYWHERE],
    confirmation: null,
    bandwidth: null,
    ...fields,
  };
}

function types(cdr: MemoryCdrSink): string[] {
  return cdr.records.map((r) => r.body.type);
}

function lastOf<T extends CdrRecordBody['type']>(cdr: MemoryCdrSink, type: T): Extract<CdrRecordBody, { type: T }> {
  const found = cdr.records.map((r) => r.body).filter((b): b is Extract<CdrRecordBody, { type: T }> => b.type === type);
  const last = found.at(-1);
  assert.ok(last, `no ${type} record`);
  return last;
}

/** The leg's state now, or 'ended' once the engine has let it go. */
function stateOf(engine: CallEngine, leg: LiveLeg): LegState | 'ended' {
  return engine.leg(leg.id)?.state ?? 'ended';
}

test('an answered dial-out goes initial → ringing → connected → ended, and the CDRs say so in order', async () => {
  const { clock, cdr, engine, t0 } = rig();
  const { call } = engine.createCall(newCall());
  const leg = engine.dialOut(call.id, dialOutRequest('alice@example.com'));
  assert.ok(leg);
  assert.equal(stateOf(engine, leg), 'initial');

  await clock.advance(100); // setup
  assert.equal(stateOf(engine, leg), 'ringing');
  assert.equal(call.joined, 0, 'a ringing leg is attached, not active');
  await clock.advance(899);
  assert.equal(stateOf(engine, leg), 'ringing');
  await clock.advance(1); // answered at 1000 ms from the dial-out
  assert.equal(stateOf(engine, leg), 'connected');
  assert.equal(call.joined, 1);

  await clock.advance(5000);
  assert.ok(engine.hangUp(leg.id, { reason: 'apiInitiatedTeardown', remoteTeardown: false }));
  assert.equal(stateOf(engine, leg), 'ended');
  assert.ok(engine.call(call.id), 'activeWhenEmpty keeps the call');
  assert.ok(engine.endCall(call.id));

  assert.deepEqual(types(cdr), ['callStart', 'callLegStart', 'callLegUpdate', 'callLegEnd', 'callEnd']);
  assert.deepEqual(
    cdr.records.map((r) => r.correlatorIndex),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    cdr.records.map((r) => r.atMs - t0),
    [0, 0, 1000, 6000, 6000],
  );
  const start = lastOf(cdr, 'callStart').call;
  assert.equal(start.id, call.id);
  assert.equal(start.callType, 'adHoc');
  assert.equal(start.name, 'ad hoc');
  assert.equal(start.callCorrelator, call.callCorrelator);
  const legStart = lastOf(cdr, 'callLegStart').callLeg;
  assert.equal(legStart.id, leg.id);
  assert.equal(legStart.direction, 'outgoing');
  assert.equal(legStart.remoteParty, 'alice@example.com');
  assert.equal(legStart.call, call.id);
  assert.equal(legStart.confirmationStatus, 'notRequired');
  const update = lastOf(cdr, 'callLegUpdate').callLeg;
  assert.equal(update.state, 'connected');
  assert.equal(update.call, call.id);
  const end = lastOf(cdr, 'callLegEnd').callLeg;
  assert.equal(end.reason, 'apiInitiatedTeardown');
  assert.equal(end.remoteTeardown, false);
  assert.equal(end.durationSeconds, 6);
  assert.equal(end.activatedDuration, 5);
  assert.equal(end.rxAudio?.codec, 'opus');
  const callEnd = lastOf(cdr, 'callEnd').call;
  assert.deepEqual(callEnd, { id: call.id, callLegsCompleted: 1, callLegsMaxActive: 1, durationSeconds: 6 });
});

/** What each simulated far end does to a dial-out: states seen at each instant, and how the leg ends. */
const OUTCOMES: ReadonlyArray<{
  name: string;
  behaviour: Omit<EndpointBehaviour, 'pattern'>;
  /** [ms after the dial-out, state then]. */
  timeline: ReadonlyArray<readonly [number, LegState | 'ended']>;
  reason: string;
  remoteTeardown: boolean;
  endedAtMs: number;
}> = [
  { name: 'busy', behaviour: { outcome: 'busy' }, timeline: [[99, 'initial'], [100, 'ended']], reason: 'remoteBusy', remoteTeardown: true, endedAtMs: 100 },
  {
    name: 'no answer',
    behaviour: { outcome: 'noAnswer' },
    timeline: [[100, 'ringing'], [30_099, 'ringing'], [30_100, 'ended']],
    reason: 'ringingTimeout',
    remoteTeardown: false,
    endedAtMs: 30_100,
  },
  {
    name: 'reject',
    behaviour: { outcome: 'reject', answerAfterMs: 3000 },
    timeline: [[100, 'ringing'], [2999, 'ringing'], [3000, 'ended']],
    reason: 'remoteRejected',
    remoteTeardown: true,
    endedAtMs: 3000,
  },
  { name: 'DNS failure', behaviour: { outcome: 'dnsFailure' }, timeline: [[99, 'initial'], [100, 'ended']], reason: 'dnsFailure', remoteTeardown: false, endedAtMs: 100 },
  {
    name: 'media failure',
    behaviour: { outcome: 'mediaFailure', failAfterMs: 2000 },
    timeline: [[100, 'ringing'], [1000, 'connected'], [2999, 'connected'], [3000, 'ended']],
    reason: 'error',
    remoteTeardown: false,
    endedAtMs: 3000,
  },
];

for (const outcome of OUTCOMES) {
  test(`dial-out to an endpoint that answers ${outcome.name}: ${outcome.reason}, remoteTeardown=${outcome.remoteTeardown}`, async () => {
    const { clock, cdr, engine, t0 } = rig([{ pattern: '*', ...outcome.behaviour }]);
    const { call } = engine.createCall(newCall());
    const leg = engine.dialOut(call.id, dialOutRequest('far@example.com'));
    assert.ok(leg);
    for (const [at, state] of outcome.timeline) {
      await clock.advanceTo(t0 + at);
      assert.equal(stateOf(engine, leg), state, `at ${at} ms`);
    }
    const end = lastOf(cdr, 'callLegEnd');
    assert.equal(end.callLeg.id, leg.id);
    assert.equal(end.callLeg.reason, outcome.reason);
    assert.equal(end.callLeg.remoteTeardown, outcome.remoteTeardown);
    assert.equal(cdr.records.at(-1)?.atMs, t0 + outcome.endedAtMs);
    const connected = outcome.timeline.some(([, s]) => s === 'connected');
    assert.equal(end.callLeg.mediaUsagePercentages !== undefined, connected, 'media only for a leg that connected');
    assert.deepEqual(types(cdr), connected ? ['callStart', 'callLegStart', 'callLegUpdate', 'callLegEnd'] : ['callStart', 'callLegStart', 'callLegEnd']);
    assert.equal(clock.pendingTimers, 0, 'an ended leg leaves no timer behind');
  });
}

test('a dial-out no outbound rule matches ends unknownDestination after the setup time', async () => {
  const { clock, cdr, engine, t0 } = rig();
  const { call } = engine.createCall(newCall());
  const leg = engine.dialOut(call.id, dialOutRequest('nowhere@example.com', { routes: [] }));
  assert.ok(leg);
  await clock.advance(100);
  assert.equal(stateOf(engine, leg), 'ended');
  assert.equal(lastOf(cdr, 'callLegEnd').callLeg.reason, 'unknownDestination');
  assert.equal(cdr.records.at(-1)?.atMs, t0 + 100);
});

test('failureAction=continue tries the next rule after a DNS failure', async () => {
  const { clock, cdr, engine, t0 } = rig([{ pattern: '*', outcome: 'dnsFailure' }]);
  const { call } = engine.createCall(newCall());
  const continuing = toOutboundRule('first', { domain: '*', failureAction: 'continue' });
  const leg = engine.dialOut(call.id, dialOutRequest('far@example.com', { routes: [continuing, EVERYWHERE] }));
  assert.ok(leg);
  await clock.advance(100);
  assert.equal(stateOf(engine, leg), 'initial', 'the second rule is being tried');
  await clock.advance(100);
  assert.equal(stateOf(engine, leg), 'ended');
  assert.equal(lastOf(cdr, 'callLegEnd').callLeg.reason, 'dnsFailure');
  assert.equal(cdr.records.at(-1)?.atMs, t0 + 200);
});

test('DTMF confirmation: the leg rings while the prompt waits, a key press joins it, silence ends it confirmationTimeOut', async () => {
  const { clock, cdr, engine, t0 } = rig([
    { pattern: 'yes@*', outcome: 'answer', confirmation: 'confirm', confirmAfterMs: 500 },
    { pattern: 'silent@*', outcome: 'answer', confirmation: 'ignore' },
  ]);
  const { call } = engine.createCall(newCall());
  const yes = engine.dialOut(call.id, dialOutRequest('yes@example.com', { confirmation: true }));
  const silent = engine.dialOut(call.id, dialOutRequest('silent@example.com', { confirmation: true }));
  assert.ok(yes && silent);
  await clock.advanceTo(t0 + 1000);
  assert.equal(stateOf(engine, yes), 'ringing', 'answered, waiting for the key');
  await clock.advanceTo(t0 + 1500);
  assert.equal(stateOf(engine, yes), 'connected');
  assert.equal(lastOf(cdr, 'callLegUpdate').callLeg.confirmationStatus, 'confirmed');
  await clock.advanceTo(t0 + 1000 + 59_999);
  assert.equal(stateOf(engine, silent), 'ringing');
  await clock.advanceTo(t0 + 1000 + 60_000);
  assert.equal(stateOf(engine, silent), 'ended');
  const end = lastOf(cdr, 'callLegEnd').callLeg;
  assert.equal(end.id, silent.id);
  assert.equal(end.reason, 'confirmationTimeOut');
  assert.equal(end.confirmationStatus, 'required');
});

function coSpaceDestination(coSpace: CoSpace, fields: { passcode?: string | null; isMember?: boolean; participantLimit?: number | null } = {}): DialInDestination {
  return {
    kind: 'coSpace',
    coSpace,
    passcode: fields.passcode ?? null,
    isMember: fields.isMember ?? false,
    newCall: newCall(
      { coSpace, name: coSpace.name ?? '', limits: { participantLimit: fields.participantLimit ?? null, tenantParticipantLimit: null } },
      { activeWhenEmpty: false },
    ),
    profile: new Map([['defaultLayout', 'speakerOnly']]),
  };
}

function dialIn(engine: CallEngine, destination: DialInDestination, passcodes: string[] = [], remoteParty = 'caller@example.com'): ReturnType<CallEngine['dialIn']> {
  return engine.dialIn({ remoteParty, localAddress: 'room@example.com', displayName: 'Caller', type: 'sip', userJid: null, passcodes, destination });
}

test('dial-in: the first caller instantiates the coSpace call in one post; the last to leave ends it', async () => {
  const { clock, cdr, engine, t0 } = rig();
  const coSpace = newCoSpace({ name: 'Room', uri: 'room', cdrTag: 'tag-1' });
  const first = dialIn(engine, coSpaceDestination(coSpace));
  assert.equal(first.end, undefined);
  assert.equal(stateOf(engine, first.leg), 'connected');
  const call = engine.callOfCoSpace(coSpace.id);
  assert.ok(call);
  assert.equal(call.callType, 'coSpace');
  assert.equal(call.callCorrelator, coSpace.callCorrelator);
  assert.equal(first.leg.profile.get('defaultLayout'), 'speakerOnly');
  assert.deepEqual(types(cdr), ['callLegStart', 'callStart', 'callLegUpdate']);
  assert.equal(lastOf(cdr, 'callStart').call.cdrTag, 'tag-1');
  assert.equal(lastOf(cdr, 'callLegStart').callLeg.direction, 'incoming');
  assert.equal(lastOf(cdr, 'callLegStart').callLeg.confirmationStatus, undefined, 'incoming legs carry no confirmationStatus');

  const second = dialIn(engine, coSpaceDestination(coSpace), [], 'other@example.com');
  assert.equal(second.leg.callId, call.id, 'the second caller joins the same call');
  await clock.advance(60_000);
  assert.ok(engine.hangUp(first.leg.id, { reason: 'remoteTeardown', remoteTeardown: true, reasonDetails: 'SIP' }));
  assert.ok(engine.call(call.id));
  assert.ok(engine.hangUp(second.leg.id, { reason: 'remoteTeardown', remoteTeardown: true }));
  assert.equal(engine.call(call.id), undefined, 'activeWhenEmpty=false: the call ended with its last leg');
  assert.deepEqual(types(cdr).slice(3), ['callLegStart', 'callLegUpdate', 'callLegEnd', 'callLegEnd', 'callEnd']);
  assert.deepEqual(cdr.batches, [['callLegStart'], ['callStart', 'callLegUpdate'], ['callLegStart'], ['callLegUpdate'], ['callLegEnd'], ['callLegEnd', 'callEnd']]);
  assert.equal(cdr.records.at(-2)?.atMs, t0 + 60_000);
  assert.equal(lastOf(cdr, 'callLegEnd').callLeg.remoteTeardown, true);
  assert.deepEqual(lastOf(cdr, 'callEnd').call, { id: call.id, callLegsCompleted: 2, callLegsMaxActive: 2, durationSeconds: 60 });
});

test('dial-in refusals end the leg with the reason and instantiate no call', () => {
  const { cdr, engine } = rig();
  const open = newCoSpace({ name: 'Open' });
  const membersOnly = newCoSpace({ name: 'Members', nonMemberAccess: false });
  const cases: Array<{ destination: DialInDestination; passcodes?: string[]; reason: string }> = [
    { destination: { kind: 'unknown', reason: 'unknownDestination' }, reason: 'unknownDestination' },
    { destination: { kind: 'unknown', reason: 'ivrUnknownCall' }, reason: 'ivrUnknownCall' },
    { destination: coSpaceDestination(open, { passcode: '4321' }), passcodes: ['1', '2', '3', '4321'], reason: 'incorrectPasscode' },
    { destination: coSpaceDestination(membersOnly), reason: 'unknownDestination' },
    { destination: coSpaceDestination(open, { participantLimit: 0 }), reason: 'participantLimitReached' },
  ];
  for (const c of cases) {
    const before = cdr.records.length;
    const { leg, end } = dialIn(engine, c.destination, c.passcodes);
    assert.equal(end?.reason, c.reason);
    assert.equal(stateOf(engine, leg), 'ended');
    const emitted = cdr.records.slice(before).map((r) => r.body);
    assert.deepEqual(
      emitted.map((b) => b.type),
      ['callLegStart', 'callLegEnd'],
      c.reason,
    );
    const legEnd = emitted[1];
    assert.ok(legEnd?.type === 'callLegEnd');
    assert.equal(legEnd.callLeg.reason, c.reason);
    assert.equal(legEnd.callLeg.remoteTeardown, false);
  }
  assert.equal(engine.calls().length, 0);
  // The third attempt is still checked; a member of a members-only space gets in.
  assert.equal(dialIn(engine, coSpaceDestination(open, { passcode: '4321' }), ['1', '2', '4321']).end, undefined);
  assert.equal(dialIn(engine, coSpaceDestination(membersOnly, { isMember: true })).end, undefined);
});
