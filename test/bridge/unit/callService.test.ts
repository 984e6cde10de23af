/**
 * The calls service over real storage (both dialects) and the call engine, without HTTP: what a request
 * names is resolved (coSpace, access method, call id + passcode, profiles, dial plan) and the engine
 * does the rest on a FakeClock; a MemoryCdrSink collects the records.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { FakeClock } from '../../../src/shared/clock.ts';
import { silentLogger } from '../../../src/shared/logger.ts';
import { registerNode } from '../../../src/bridge/api/objects/callBridges.ts';
import { CallService } from '../../../src/bridge/calls/callService.ts';
import { MemoryCdrSink, type CdrRecordBody } from '../../../src/bridge/cdr/recordBodies.ts';
import { newCoSpace, type CoSpace } from '../../../src/bridge/domain/coSpace.ts';
import { CallEngine } from '../../../src/bridge/engine/callEngine.ts';
import { BridgeError } from '../../../src/bridge/errors.ts';
import type { ParamValue } from '../../../src/bridge/params.ts';
import { BridgeStorage } from '../../../src/bridge/storage/index.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../../support/databases.ts';

function params(entries: Record<string, ParamValue | null>): Map<string, ParamValue | null> {
  return new Map(Object.entries(entries));
}

function recordsOf<T extends CdrRecordBody['type']>(cdr: MemoryCdrSink, type: T): Array<Extract<CdrRecordBody, { type: T }>> {
  return cdr.records.map((r) => r.body).filter((b): b is Extract<CdrRecordBody, { type: T }> => b.type === type);
}

async function rejects(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof BridgeError && error.reasons.includes(reason));
}

forEachDialect('CallService', (dialect) => {
  let database: TestDatabase;
  let storage: BridgeStorage;
  let clock: FakeClock;
  let cdr: MemoryCdrSink;
  let engine: CallEngine;
  let calls: CallService;
  let room: CoSpace;
  /** This call bridge's id, and another node's of the same cluster. */
  let node: string;
  let otherNode: string;

  beforeEach(async () => {
    database = await freshDatabase(dialect, 'callservice');
    storage = await BridgeStorage.open(database.url);
    clock = new FakeClock();
    node = (await registerNode(storage, 'node-a', 'https://a.example.com', clock.now())).id;
    otherNode = (await registerNode(storage, 'node-b', 'https://b.example.com', clock.now())).id;
    cdr = new MemoryCdrSink();
    engine = new CallEngine({ clock, logger: silentLogger(), cdr, nodeId: node });
    calls = new CallService({ engine, storage, nodeId: node });
    await storage.configObjects.insert({ kind: 'callLegProfiles', id: 'tenant-profile', fields: { defaultLayout: 'allEqual', needsActivation: true } });
    await storage.configObjects.insert({ kind: 'callLegProfiles', id: 'space-profile', fields: { defaultLayout: 'speakerOnly' } });
    await storage.configObjects.insert({ kind: 'callLegProfiles', id: 'access-profile', fields: { defaultLayout: 'telepresence' } });
    await storage.configObjects.insert({ kind: 'callProfiles', id: 'small', fields: { participantLimit: 1 } });
    await storage.configObjects.insert({ kind: 'tenants', id: 'tenant-1', fields: { name: 'Tenant', callLegProfile: 'tenant-profile' } });
    room = newCoSpace({ name: 'Room One', uri: 'room.one', callId: '1001', passcode: '4321', tenant: 'tenant-1', callLegProfile: 'space-profile' });
    await storage.coSpaces.insert(room);
    await storage.accessMethods.insert({
      id: 'am-1',
      coSpace: room.id,
      uri: 'room.guest',
      callId: '2002',
      passcode: '9999',
      name: 'guests',
      callLegProfile: 'access-profile',
      secret: null,
      scope: null,
      importance: null,
      dialInSecurityProfile: null,
    });
  });

  afterEach(async () => {
    engine.close();
    await storage.close();
    await database.dispose();
  });

  test('dial-in by URI: the coSpace is found by the user part, its passcode checked, its call instantiated', async () => {
    const { leg, end } = await calls.dialIn({ uri: 'sip:Room.One@example.com;transport=tls', passcodes: ['4321'], remoteParty: 'alice@example.com', type: 'sip' });
    assert.equal(end, undefined);
    assert.equal(leg.state, 'connected');
    const call = engine.callOfCoSpace(room.id);
    assert.ok(call);
    assert.equal(leg.callId, call.id);
    assert.equal(call.tenant, 'tenant-1');
    assert.equal(call.settings.activeWhenEmpty, false, 'a call instantiated by a dial-in ends with its last leg');
    assert.equal(leg.localAddress, 'sip:Room.One@example.com;transport=tls');
    // tenant's profile under the coSpace's
    assert.equal(leg.profile.get('defaultLayout'), 'speakerOnly');
    assert.equal(leg.profile.get('needsActivation'), true);
    const [start] = recordsOf(cdr, 'callStart');
    assert.ok(start);
    assert.equal(start.call.coSpace, room.id);
    assert.equal(start.call.callCorrelator, room.callCorrelator);
    assert.equal(start.call.name, 'Room One');

    assert.ok(calls.remoteHangUp(leg.id));
    assert.equal(engine.call(call.id), undefined);
    assert.deepEqual(
      cdr.records.map((r) => r.body.type),
      ['callLegStart', 'callStart', 'callLegUpdate', 'callLegEnd', 'callEnd'],
    );
    const [legEnd] = recordsOf(cdr, 'callLegEnd');
    assert.ok(legEnd);
    assert.equal(legEnd.callLeg.reason, 'remoteTeardown');
    assert.equal(legEnd.callLeg.reasonDetails, 'SIP');
    assert.equal(calls.remoteHangUp(leg.id), false, 'a leg that is gone');
  });

  test('dial-in by call id and passcode: the IVR allows three attempts', async () => {
    const third = await calls.dialIn({ callId: '1001', passcodes: ['1', '2', '4321'], remoteParty: 'bob@example.com', type: 'sip' });
    assert.equal(third.end, undefined);
    const fourth = await calls.dialIn({ callId: '1001', passcodes: ['1', '2', '3', '4321'], remoteParty: 'carol@example.com', type: 'sip' });
    assert.equal(fourth.end?.reason, 'incorrectPasscode');
    const unknown = await calls.dialIn({ callId: '777', passcodes: [], remoteParty: 'dave@example.com', type: 'sip' });
    assert.equal(unknown.end?.reason, 'ivrUnknownCall');
    const nowhere = await calls.dialIn({ uri: 'nobody@example.com', passcodes: [], remoteParty: 'erin@example.com', type: 'sip' });
    assert.equal(nowhere.end?.reason, 'unknownDestination');
    assert.deepEqual(
      recordsOf(cdr, 'callLegEnd').map((r) => r.callLeg.reason),
      ['incorrectPasscode', 'ivrUnknownCall', 'unknownDestination'],
    );
  });

  test("dial-in through an access method: its passcode and its call leg profile apply, on the coSpace's call", async () => {
    const wrong = await calls.dialIn({ callId: '2002', passcodes: ['4321'], remoteParty: 'frank@example.com', type: 'sip' });
    assert.equal(wrong.end?.reason, 'incorrectPasscode', "the coSpace's passcode does not open the access method");
    const { leg, end } = await calls.dialIn({ uri: 'room.guest', passcodes: ['9999'], remoteParty: 'grace@example.com', type: 'sip' });
    assert.equal(end, undefined);
    assert.equal(leg.callId, engine.callOfCoSpace(room.id)?.id);
    assert.equal(leg.profile.get('defaultLayout'), 'telepresence');
    assert.equal(leg.profile.get('needsActivation'), true);
  });

  test('startCall: a coSpace call takes its profile limits; a second start answers the same call with the parameters applied', async () => {
    await storage.coSpaces.update({ ...room, callProfile: 'small' });
    const call = await calls.startCall(params({ coSpace: room.id }));
    assert.equal(call.limits.participantLimit, 1);
    assert.equal(call.settings.activeWhenEmpty, true);
    const again = await calls.startCall(params({ coSpace: room.id, locked: true }));
    assert.equal(again.id, call.id);
    assert.equal(engine.call(call.id)?.settings.locked, true);
    assert.equal(recordsOf(cdr, 'callStart').length, 1);
    await rejects(calls.startCall(params({ coSpace: '00000000-0000-0000-0000-000000000000' })), 'coSpaceDoesNotExist');
    await rejects(calls.startCall(params({})), 'parameterError');
    const adHoc = await calls.startCall(params({ name: 'huddle' }));
    assert.equal(adHoc.callType, 'adHoc');
  });

  test('dialOut resolves the dial plan and the layered profile; with no matching rule the leg ends unknownDestination', async () => {
    const call = await calls.startCall(params({ coSpace: room.id }));
    const unroutable = await calls.dialOut(call.id, params({ remoteParty: 'alice@example.com' }));
    await storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: 'rule-1', fields: { domain: 'example.com' } });
    const routed = await calls.dialOut(call.id, params({ remoteParty: 'bob@example.com', callLegProfile: 'access-profile' }));
    assert.equal(routed.profile.get('defaultLayout'), 'telepresence');
    assert.equal(routed.profile.get('needsActivation'), true);
    await clock.advance(100);
    assert.equal(engine.leg(unroutable.id), undefined);
    assert.equal(engine.leg(routed.id)?.state, 'ringing');
    await clock.advance(900);
    assert.equal(engine.leg(routed.id)?.state, 'connected');
    assert.deepEqual(
      recordsOf(cdr, 'callLegEnd').map((r) => [r.callLeg.id, r.callLeg.reason]),
      [[unroutable.id, 'unknownDestination']],
    );
    await rejects(calls.dialOut('no-such-call', params({ remoteParty: 'x@example.com' })), 'callDoesNotExist');
    await rejects(calls.dialOut(call.id, params({ remoteParty: 'x@example.com', callLegProfile: 'missing' })), 'callLegProfileDoesNotExist');
  });

  test('addParticipant places participants on this call bridge only', async () => {
    const call = await calls.startCall(params({ name: 'huddle' }));
    const leg = await calls.addParticipant(call.id, params({ remoteParty: 'a@example.com', callBridge: node }));
    assert.equal(calls.participantOrThrow(leg.participantId).id, leg.id);
    await rejects(calls.addParticipant(call.id, params({ remoteParty: 'b@example.com', callBridge: otherNode })), 'callBridgeUnavailable');
    assert.equal(engine.legs().length, 1, 'a refused participant dials nothing');
    calls.removeParticipant(leg.participantId);
    assert.equal(recordsOf(cdr, 'callLegEnd')[0]?.callLeg.reason, 'apiInitiatedTeardown');
    assert.throws(() => calls.removeParticipant(leg.participantId), (e: unknown) => e instanceof BridgeError && e.reasons.includes('participantDoesNotExist'));
  });
});
