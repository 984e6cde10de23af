/** The call fold (src/collector/domain/call.ts): callStart and callEnd merged in any order, meetings keyed, closes at a session's end. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyCallRecord, closeCallAtSessionEnd, meetingKeyOf, type CallRow } from '../../../src/collector/domain/call.ts';
import type { ModelRecord } from '../../../src/collector/domain/record.ts';
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts';
import { permutations, record, T0 } from './modelRecords.ts';

const CALL = 'call-1';

const callStart = (fields = '<callCorrelator>corr-1</callCorrelator><coSpace>space-1</coSpace>', options: Parameters<typeof record>[3] = {}): ModelRecord =>
  record('callStart', 0, `<call id="${CALL}"><name>Board</name><ownerName>Ada</ownerName><tenant>t-1</tenant><cdrTag>tag</cdrTag><callType>coSpace</callType>${fields}<coSpaceMetaDataConfigured>true</coSpaceMetaDataConfigured></call>`, { at: 0, ...options });

const callEnd = (options: Parameters<typeof record>[3] = {}): ModelRecord =>
  record('callEnd', 5, `<call id="${CALL}"><callLegsCompleted>3</callLegsCompleted><callLegsMaxActive>2</callLegsMaxActive><durationSeconds>90</durationSeconds><endpointRecorded>false</endpointRecorded></call>`, { at: 90, ...options });

function fold(records: readonly ModelRecord[]): CallRow | undefined {
  let row: CallRow | undefined;
  for (const r of records) row = applyCallRecord(row, CALL, r);
  return row;
}

describe('call fold', () => {
  it('merges callStart and callEnd into one row with the fields of both', () => {
    const row = fold([callStart(), callEnd()]);
    assert.ok(row);
    assert.equal(row.id, CALL);
    assert.equal(row.callBridge, 'bridge-1');
    assert.equal(row.session, 'session-1');
    assert.deepEqual(
      [row.name, row.ownerName, row.tenant, row.cdrTag, row.callType, row.coSpace, row.callCorrelator, row.coSpaceMetaDataConfigured],
      ['Board', 'Ada', 't-1', 'tag', 'coSpace', 'space-1', 'corr-1', true],
    );
    assert.deepEqual([row.callLegsCompleted, row.callLegsMaxActive, row.durationSeconds, row.endpointRecorded], [3, 2, 90, false]);
    assert.deepEqual([row.startMs, row.endMs, row.beginMs], [T0, T0 + 90_000, T0]);
    assert.deepEqual([row.hasStart, row.hasEnd, row.sessionEnded], [true, true, false]);
  });

  it('folds to the same row whatever the order, and a repeated record changes nothing', () => {
    const records = [callStart(), callEnd()];
    const expected = fold(records);
    for (const order of [...permutations(records), [callEnd(), callStart(), callEnd()], [callStart(), callStart(), callEnd(), callEnd()]]) {
      assert.deepEqual(fold(order), expected);
    }
  });

  it('a callEnd alone: begins at its end minus its duration, and has no start', () => {
    const row = fold([callEnd()]);
    assert.ok(row);
    assert.deepEqual([row.hasStart, row.hasEnd, row.startMs], [false, true, null]);
    assert.equal(row.beginMs, T0, 'end (T0 + 90 s) minus 90 s');
    assert.equal(row.meetingKey, CALL, 'nothing names a correlator or coSpace yet');
    // Its start arriving later completes it.
    const done = applyCallRecord(row, CALL, callStart());
    assert.equal(done.meetingKey, 'corr-1');
    assert.deepEqual([done.hasStart, done.startMs], [true, T0]);
  });

  it('a callEnd without a duration begins at its own time', () => {
    const row = fold([record('callEnd', 3, `<call id="${CALL}"/>`, { at: 40 })]);
    assert.ok(row);
    assert.equal(row.beginMs, T0 + 40_000);
    assert.equal(row.durationSeconds, null);
  });

  it('ignores record types that are not about a call', () => {
    const row = fold([callStart()]);
    assert.ok(row);
    const before = structuredClone(row);
    assert.deepEqual(applyCallRecord(row, CALL, record('callLegStart', 1, `<callLeg id="x"><call>${CALL}</call></callLeg>`)), before);
  });

  it('takes the call bridge from a later record when the first had none', () => {
    const row = fold([record('callEnd', 2, `<call id="${CALL}"/>`, { callBridge: null }), callStart()]);
    assert.ok(row);
    assert.equal(row.callBridge, 'bridge-1');
  });
});

describe('meetings', () => {
  it('groups by callCorrelator, else coSpace, else the call itself', () => {
    assert.equal(fold([callStart('<callCorrelator>corr-1</callCorrelator><coSpace>space-1</coSpace>')])?.meetingKey, 'corr-1');
    assert.equal(fold([callStart('<coSpace>space-1</coSpace>')])?.meetingKey, 'space-1');
    assert.equal(fold([callStart('')])?.meetingKey, CALL);
    assert.equal(meetingKeyOf({ id: 'c', callCorrelator: null, coSpace: null }), 'c');
    assert.equal(meetingKeyOf({ id: 'c', callCorrelator: 'k', coSpace: 's' }), 'k');
  });

  it("puts every call bridge's part of one distributed call in one meeting", () => {
    const parts = ['bridge-1', 'bridge-2', 'bridge-3'].map((callBridge, i) => {
      const id = `call-on-${callBridge}`;
      const start = record('callStart', i, `<call id="${id}"><coSpace>space-1</coSpace><callCorrelator>corr-shared</callCorrelator></call>`, { callBridge, session: `session-${callBridge}` });
      return applyCallRecord(undefined, id, start);
    });
    assert.deepEqual(new Set(parts.map((p) => p.meetingKey)), new Set(['corr-shared']));
    assert.deepEqual(parts.map((p) => p.callBridge), ['bridge-1', 'bridge-2', 'bridge-3']);
  });

  it('empty correlator and coSpace elements count as absent', () => {
    assert.equal(fold([callStart('<callCorrelator></callCorrelator><coSpace/>')])?.meetingKey, CALL);
  });
});

describe('call closed at its session end', () => {
  it('ends a call without callEnd at the session end, from its begin', () => {
    const row = fold([callStart()]);
    assert.ok(row);
    assert.equal(closeCallAtSessionEnd(row, T0 + 30_000), true);
    assert.deepEqual([row.sessionEnded, row.endMs, row.durationSeconds, row.hasEnd], [true, T0 + 30_000, 30, false]);
    assert.equal(closeCallAtSessionEnd(row, T0 + 30_000), false, 'closing again at the same time changes nothing');
  });

  it('never ends a call before it began', () => {
    const row = fold([callStart(undefined, { at: 100 })]);
    assert.ok(row);
    closeCallAtSessionEnd(row, T0 + 10_000);
    assert.deepEqual([row.endMs, row.durationSeconds], [T0 + 100_000, 0]);
  });

  it('leaves a call with its callEnd as it is', () => {
    const row = fold([callStart(), callEnd()]);
    assert.ok(row);
    const before = structuredClone(row);
    assert.equal(closeCallAtSessionEnd(row, T0 + 30_000), false);
    assert.deepEqual(row, before);
  });

  it('a callEnd merged after the close replaces the collector’s end', () => {
    const closed = fold([callStart()]);
    assert.ok(closed);
    closeCallAtSessionEnd(closed, T0 + 30_000);
    assert.deepEqual(applyCallRecord(closed, CALL, callEnd()), fold([callStart(), callEnd()]));
  });

  it('a callEnd without a duration after the close leaves no duration of ours behind', () => {
    const closed = fold([callStart()]);
    assert.ok(closed);
    closeCallAtSessionEnd(closed, T0 + 30_000);
    const row = applyCallRecord(closed, CALL, record('callEnd', 4, `<call id="${CALL}"/>`, { at: 50 }));
    assert.deepEqual([row.sessionEnded, row.durationSeconds, row.endMs, row.hasEnd], [false, null, T0 + 50_000, true]);
  });
});

describe('call fold, property', () => {
  it('any sequence holding each of a call’s records at least once folds to the same row', () => {
    const start = callStart();
    const end = callEnd();
    const expected = fold([start, end]);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(start, end), { maxLength: 6 }).chain((extra) => {
          const all = [start, end, ...extra];
          return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
        }),
        (arrival) => assert.deepEqual(fold(arrival), expected),
      ),
      { seed: fuzzSeed('unit call fold'), numRuns: fuzzRuns(200) },
    );
  });
});
