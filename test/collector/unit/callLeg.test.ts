/**
 * The call leg fold (src/collector/domain/callLeg.ts): callLegStart, callLegUpdates and callLegEnd
 * merged into one row whatever order they arrive in, as the ingest store applies them (merge in
 * arrival order; a record older than one already merged makes it re-fold the leg from all its records).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  applyCallLegRecord,
  closeCallLegAtSessionEnd,
  foldCallLeg,
  isOutOfOrder,
  SESSION_ENDED_REASON,
  type CallLegRow,
} from '../../../src/collector/domain/callLeg.ts';
import type { ModelRecord } from '../../../src/collector/domain/record.ts';
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts';
import { permutations, record, T0 } from './modelRecords.ts';

const LEG = 'leg-1';

const legStart = (order = 0, extra = ''): ModelRecord =>
  record(
    'callLegStart',
    order,
    `<callLeg id="${LEG}"><displayName>Alice</displayName><remoteParty>alice@example.com</remoteParty><localAddress>meet@example.com</localAddress>` +
      `<remoteAddress>192.0.2.10</remoteAddress><type>sip</type><subType>lync</subType><direction>incoming</direction><guestConnection>false</guestConnection>` +
      `<recording>false</recording><streaming>false</streaming><canMove>true</canMove><groupId>g-1</groupId><sipCallId>sip-1</sipCallId><cdrTag>tag-1</cdrTag>${extra}</callLeg>`,
  );

const legUpdate = (order: number, inner: string, at?: number): ModelRecord =>
  record('callLegUpdate', order, `<callLeg id="${LEG}">${inner}</callLeg>`, at === undefined ? {} : { at });

const legEnd = (order: number, inner = '', at = 60): ModelRecord =>
  record(
    'callLegEnd',
    order,
    `<callLeg id="${LEG}"><reason>remoteTeardown</reason><remoteTeardown>true</remoteTeardown><durationSeconds>60</durationSeconds>${inner}</callLeg>`,
    { at },
  );

/** Merges records in arrival order, posts of `postSize` records at a time, as the ingest store does. */
function arrive(records: readonly ModelRecord[], postSize = 1): CallLegRow | undefined {
  let row: CallLegRow | undefined;
  const seen: ModelRecord[] = [];
  for (let i = 0; i < records.length; i += postSize) {
    let refold = false;
    for (const r of records.slice(i, i + postSize)) {
      if (row && isOutOfOrder(row, r)) refold = true;
      row = applyCallLegRecord(row, LEG, r);
      seen.push(r);
    }
    if (refold) row = foldCallLeg(LEG, seen);
  }
  return row;
}

/** Merges records in the order given, with no re-fold. */
function mergeBlindly(records: readonly ModelRecord[]): CallLegRow | undefined {
  let row: CallLegRow | undefined;
  for (const r of records) row = applyCallLegRecord(row, LEG, r);
  return row;
}

describe('call leg fold', () => {
  it('merges start, updates and end: the newest value of each field wins, times and counts accumulate', () => {
    const row = foldCallLeg(LEG, [
      legStart(0),
      legUpdate(1, '<state>connecting</state><displayName>Alice (lobby)</displayName>'),
      legUpdate(2, '<state>connected</state><call>call-1</call>', 5),
      legUpdate(3, '<displayName>Alice Smith</displayName><state>connected</state>', 8),
      legEnd(4),
    ]);
    assert.ok(row);
    assert.equal(row.id, LEG);
    assert.equal(row.displayName, 'Alice Smith', 'the newest update wins');
    assert.deepEqual([row.remoteParty, row.localAddress, row.legType, row.subType, row.direction], ['alice@example.com', 'meet@example.com', 'sip', 'lync', 'incoming']);
    assert.deepEqual([row.guestConnection, row.recording, row.streaming, row.canMove], [false, false, false, true]);
    assert.deepEqual([row.callId, row.state, row.updateCount, row.inIvr], ['call-1', 'connected', 3, false]);
    assert.deepEqual([row.startMs, row.connectedMs, row.endMs, row.beginMs], [T0, T0 + 5000, T0 + 60_000, T0], 'connected at the first connected update');
    assert.deepEqual([row.reason, row.remoteTeardown, row.durationSeconds], ['remoteTeardown', true, 60]);
    assert.deepEqual([row.hasStart, row.hasEnd, row.sessionEnded], [true, true, false]);
    assert.deepEqual([row.callBridge, row.session, row.cdrTag, row.sipCallId], ['bridge-1', 'session-1', 'tag-1', 'sip-1']);
  });

  it('folds every arrival order of a leg to the same row', () => {
    const records = [legStart(0), legUpdate(1, '<state>connected</state><call>call-1</call><displayName>Early</displayName>'), legUpdate(2, '<displayName>Late</displayName>'), legEnd(3)];
    const expected = foldCallLeg(LEG, records);
    assert.equal(expected?.displayName, 'Late');
    for (const order of permutations(records)) {
      assert.deepEqual(arrive(order), expected, `arrival ${order.map((r) => r.order).join(',')}`);
      assert.deepEqual(foldCallLeg(LEG, order), expected);
    }
  });

  it('re-folds only when needed: merging an older record blindly would let it win', () => {
    const records = [legUpdate(1, '<displayName>Early</displayName>'), legUpdate(2, '<displayName>Late</displayName>')];
    const reversed = [...records].reverse();
    assert.equal(mergeBlindly(reversed)?.displayName, 'Early', 'the older update overwrites when merged last');
    assert.equal(arrive(reversed)?.displayName, 'Late');
    const row = applyCallLegRecord(undefined, LEG, records[1]!);
    assert.equal(isOutOfOrder(row, records[0]!), true);
    assert.equal(isOutOfOrder(row, legEnd(3)), false);
    assert.equal(isOutOfOrder(row, record('callLegEnd', 1, `<callLeg id="${LEG}"/>`, { session: 'session-2' })), false, 'another session is not compared by order');
  });

  it('a repeated start or end changes nothing', () => {
    const expected = foldCallLeg(LEG, [legStart(0), legUpdate(1, '<state>connected</state>'), legEnd(2)]);
    assert.deepEqual(arrive([legStart(0), legEnd(2), legUpdate(1, '<state>connected</state>'), legEnd(2), legStart(0)]), expected);
  });

  it('an end without its start: begins at its end minus its duration', () => {
    const row = foldCallLeg(LEG, [legEnd(7, '', 100)]);
    assert.ok(row);
    assert.deepEqual([row.hasStart, row.hasEnd, row.startMs], [false, true, null]);
    assert.equal(row.beginMs, T0 + 40_000);
    assert.equal(row.remoteParty, null);
    // The start arriving later fills in what it carries and sets the begin.
    const withStart = arrive([legEnd(7, '', 100), legStart(0)]);
    assert.deepEqual([withStart?.hasStart, withStart?.remoteParty, withStart?.beginMs], [true, 'alice@example.com', T0]);
  });

  it('updates without a start or end: begins at the earliest record', () => {
    const row = arrive([legUpdate(5, '<state>connected</state>', 20), legUpdate(3, '<state>connecting</state>', 12)]);
    assert.ok(row);
    assert.deepEqual([row.beginMs, row.connectedMs, row.state, row.updateCount, row.hasStart, row.hasEnd], [T0 + 12_000, T0 + 20_000, 'connected', 2, false, false]);
  });

  it('tracks the IVR: an update with <ivr/> puts the leg in it, one naming its call takes it out', () => {
    const inIvr = foldCallLeg(LEG, [legStart(0), legUpdate(1, '<ivr/>')]);
    assert.equal(inIvr?.inIvr, true);
    const joined = foldCallLeg(LEG, [legStart(0), legUpdate(1, '<ivr/>'), legUpdate(2, '<call>call-1</call>')]);
    assert.deepEqual([joined?.inIvr, joined?.callId], [false, 'call-1']);
    assert.equal(foldCallLeg(LEG, [legStart(0)])?.inIvr, null, 'unknown until an update says');
  });

  it('ignores record types that are not about a call leg, and folds nothing to nothing', () => {
    const row = foldCallLeg(LEG, [legStart(0)]);
    assert.ok(row);
    const before = structuredClone(row);
    assert.deepEqual(applyCallLegRecord(row, LEG, record('callStart', 9, `<call id="${LEG}"><name>x</name></call>`)), before);
    assert.equal(foldCallLeg(LEG, []), undefined);
  });
});

describe('call leg end: reasons, alarms, media usage', () => {
  it('keeps the end reason, teardown side and details', () => {
    const row = foldCallLeg(LEG, [legStart(0), record('callLegEnd', 1, `<callLeg id="${LEG}"><reason>callDeactivated</reason><remoteTeardown>false</remoteTeardown><reasonDetails>ended by API</reasonDetails><encryptedMedia>true</encryptedMedia><unencryptedMedia>false</unencryptedMedia><activatedDuration>55</activatedDuration></callLeg>`)]);
    assert.deepEqual(
      [row?.reason, row?.remoteTeardown, row?.reasonDetails, row?.encryptedMedia, row?.unencryptedMedia, row?.activatedDuration],
      ['callDeactivated', false, 'ended by API', true, false, 55],
    );
  });

  it('reads alarms given as attributes or as child elements; the packet loss figure is the worst one', () => {
    const row = foldCallLeg(LEG, [
      legEnd(
        1,
        '<alarm type="packetLoss" durationPercentage="12.5"/>' +
          '<alarm><type>packetLoss</type><durationPercentage>40</durationPercentage></alarm>' +
          '<alarm type="excessiveJitter" durationPercentage="3"/>' +
          '<alarm durationPercentage="1"/>',
      ),
    ]);
    assert.ok(row);
    assert.equal(row.alarmCount, 4);
    assert.equal(row.packetLossAlarmPct, 40);
    assert.deepEqual(JSON.parse(row.alarms ?? 'null'), [
      { type: 'packetLoss', durationPercentage: 12.5 },
      { type: 'packetLoss', durationPercentage: 40 },
      { type: 'excessiveJitter', durationPercentage: 3 },
      { type: 'unknown', durationPercentage: 1 },
    ]);
  });

  it('a leg without alarms has none and no packet loss figure; alarms of other types leave the figure unset', () => {
    const clean = foldCallLeg(LEG, [legEnd(1)]);
    assert.deepEqual([clean?.alarms, clean?.alarmCount, clean?.packetLossAlarmPct], [null, 0, null]);
    const jitter = foldCallLeg(LEG, [legEnd(1, '<alarm type="excessiveJitter" durationPercentage="3"/>')]);
    assert.deepEqual([jitter?.alarmCount, jitter?.packetLossAlarmPct], [1, null]);
  });

  it('reads media usage, screens, codecs, picture sizes and packet statistics', () => {
    const row = foldCallLeg(LEG, [
      legEnd(
        1,
        '<mediaUsagePercentages><mainVideoViewer>90.5</mainVideoViewer><mainVideoContributor>80</mainVideoContributor><presentationViewer>10</presentationViewer><presentationContributor>0</presentationContributor><multistreamVideo>0</multistreamVideo></mediaUsagePercentages>' +
          '<multistreamVideo><maxScreens>3</maxScreens></multistreamVideo>' +
          '<rxAudio><codec>opus</codec><packetStatistics><packetLossBursts><duration>1.5</duration><density>2.25</density></packetLossBursts><packetGap><duration>0.5</duration><density>1</density></packetGap></packetStatistics></rxAudio>' +
          '<txAudio><codec>aac</codec></txAudio>' +
          '<rxVideo><codec>h264</codec><maxSizeWidth>1920</maxSizeWidth><maxSizeHeight>1080</maxSizeHeight><packetStatistics><packetLossBursts><duration>4</duration><density>7</density></packetLossBursts></packetStatistics></rxVideo>' +
          '<txVideo><codec>vp8</codec><maxSizeWidth>1280</maxSizeWidth><maxSizeHeight>720</maxSizeHeight></txVideo>',
      ),
    ]);
    assert.ok(row);
    assert.deepEqual(
      [row.mainVideoViewerPct, row.mainVideoContributorPct, row.presentationViewerPct, row.presentationContributorPct, row.multistreamVideoPct, row.maxScreens],
      [90.5, 80, 10, 0, 0, 3],
    );
    assert.deepEqual([row.rxAudioCodec, row.txAudioCodec, row.rxVideoCodec, row.txVideoCodec], ['opus', 'aac', 'h264', 'vp8']);
    assert.deepEqual([row.rxVideoWidth, row.rxVideoHeight, row.txVideoWidth, row.txVideoHeight], [1920, 1080, 1280, 720]);
    assert.deepEqual([row.rxAudioLossDuration, row.rxAudioLossDensity, row.rxAudioGapDuration, row.rxAudioGapDensity], [1.5, 2.25, 0.5, 1]);
    assert.deepEqual([row.rxVideoLossDuration, row.rxVideoLossDensity, row.rxVideoGapDuration, row.rxVideoGapDensity], [4, 7, null, null]);
  });

  it('an end without media figures leaves them unknown (null), not zero', () => {
    const row = foldCallLeg(LEG, [record('callLegEnd', 1, `<callLeg id="${LEG}"><reason>timeout</reason></callLeg>`)]);
    assert.deepEqual([row?.mainVideoViewerPct, row?.maxScreens, row?.rxAudioCodec, row?.rxVideoWidth, row?.durationSeconds], [null, null, null, null, null]);
  });
});

describe('call leg closed at its session end', () => {
  it('closes an open leg with reason sessionEnded, teardown side unknown, seconds from its begin', () => {
    const row = foldCallLeg(LEG, [legStart(0), legUpdate(1, '<state>connected</state>', 4)]);
    assert.ok(row);
    assert.equal(closeCallLegAtSessionEnd(row, T0 + 30_000), true);
    assert.deepEqual([row.sessionEnded, row.reason, row.remoteTeardown, row.endMs, row.durationSeconds, row.hasEnd], [true, SESSION_ENDED_REASON, null, T0 + 30_000, 30, false]);
    assert.equal(closeCallLegAtSessionEnd(row, T0 + 30_000), false, 'closing again changes nothing');
  });

  it('never ends a leg before what its own records show', () => {
    const row = foldCallLeg(LEG, [legStart(0), legUpdate(1, '<state>connected</state>', 50)]);
    assert.ok(row);
    closeCallLegAtSessionEnd(row, T0 + 10_000);
    assert.deepEqual([row.endMs, row.durationSeconds], [T0 + 50_000, 50]);
  });

  it('leaves a leg with its callLegEnd as it is', () => {
    const row = foldCallLeg(LEG, [legStart(0), legEnd(1)]);
    assert.ok(row);
    const before = structuredClone(row);
    assert.equal(closeCallLegAtSessionEnd(row, T0 + 30_000), false);
    assert.deepEqual(row, before);
  });

  it('a callLegEnd merged after the close gives the row a leg that was never closed would have', () => {
    const closed = foldCallLeg(LEG, [legStart(0)]);
    assert.ok(closed);
    closeCallLegAtSessionEnd(closed, T0 + 30_000);
    const end = record('callLegEnd', 2, `<callLeg id="${LEG}"><reason>callDeactivated</reason></callLeg>`, { at: 45 });
    assert.deepEqual(applyCallLegRecord(closed, LEG, end), foldCallLeg(LEG, [legStart(0), end]));
  });
});

/** A leg's records: an optional start, some updates, an optional end, at correlator positions 0..n-1. */
const legRecords: fc.Arbitrary<ModelRecord[]> = fc
  .record({
    start: fc.boolean(),
    updates: fc.array(
      fc.record({
        state: fc.constantFrom(undefined, 'connecting', 'connected', 'disconnected'),
        displayName: fc.constantFrom(undefined, 'A', 'B', 'C'),
        call: fc.constantFrom(undefined, 'call-1', 'call-2'),
        ivr: fc.boolean(),
        deactivated: fc.constantFrom(undefined, 'true', 'false'),
        skew: fc.integer({ min: -3, max: 3 }),
      }),
      { maxLength: 5 },
    ),
    end: fc.option(
      fc.record({
        reason: fc.constantFrom('remoteTeardown', 'callDeactivated', 'timeout'),
        duration: fc.option(fc.integer({ min: 0, max: 50 })),
        packetLoss: fc.option(fc.integer({ min: 0, max: 100 })),
      }),
    ),
  })
  .filter((leg) => leg.start || leg.updates.length > 0 || leg.end !== null)
  .map((leg) => {
    const out: ModelRecord[] = [];
    if (leg.start) out.push(legStart(out.length));
    for (const u of leg.updates) {
      const inner =
        (u.state === undefined ? '' : `<state>${u.state}</state>`) +
        (u.displayName === undefined ? '' : `<displayName>${u.displayName}</displayName>`) +
        (u.call === undefined ? '' : `<call>${u.call}</call>`) +
        (u.ivr ? '<ivr/>' : '') +
        (u.deactivated === undefined ? '' : `<deactivated>${u.deactivated}</deactivated>`);
      const order = out.length;
      out.push(legUpdate(order, inner, 10 + order + u.skew));
    }
    if (leg.end) {
      const e = leg.end;
      const inner =
        `<reason>${e.reason}</reason>` +
        (e.duration === null ? '' : `<durationSeconds>${e.duration}</durationSeconds>`) +
        (e.packetLoss === null ? '' : `<alarm type="packetLoss" durationPercentage="${e.packetLoss}"/>`);
      out.push(record('callLegEnd', out.length, `<callLeg id="${LEG}">${inner}</callLeg>`, { at: 60 }));
    }
    return out;
  });

describe('call leg fold, property', () => {
  it('any arrival order, in posts of any size, gives the row of the records merged in order', () => {
    fc.assert(
      fc.property(
        legRecords.chain((records) =>
          fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), fc.integer({ min: 1, max: 4 })),
        ),
        ([inOrder, arrival, postSize]) => {
          const expected = mergeBlindly(inOrder);
          assert.deepEqual(arrive(arrival, postSize), expected);
          assert.deepEqual(foldCallLeg(LEG, arrival), expected);
        },
      ),
      { seed: fuzzSeed('unit call leg fold'), numRuns: fuzzRuns(300) },
    );
  });
});
