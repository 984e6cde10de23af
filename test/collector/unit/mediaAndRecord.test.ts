/**
 * Recordings and streamings (src/collector/domain/media.ts), and what a record is about
 * (src/collector/domain/record.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMediaRecord, type MediaSessionRow } from '../../../src/collector/domain/media.ts';
import { objectIdOf, objectKindOf, type ModelRecord } from '../../../src/collector/domain/record.ts';
import { permutations, record, T0 } from './modelRecords.ts';

function fold(id: string, records: readonly ModelRecord[]): MediaSessionRow | undefined {
  let row: MediaSessionRow | undefined;
  for (const r of records) row = applyMediaRecord(row, id, r);
  return row;
}

const recordingStart = record('recordingStart', 0, '<recording id="rec-1"><path>/recordings/board</path><recorderUri>https://recorder.example.com</recorderUri><call>call-1</call><callLeg>leg-1</callLeg></recording>', { at: 5 });
const recordingEnd = record('recordingEnd', 1, '<recording id="rec-1"/>', { at: 65 });
const streamingStart = record('streamingStart', 2, '<streaming id="str-1"><streamerUri>rtmp://streamer.example.com/live</streamerUri><call>call-1</call></streaming>', { at: 7 });
const streamingEnd = record('streamingEnd', 3, '<streaming id="str-1"/>', { at: 70 });

describe('recordings and streamings', () => {
  it('merge a recording’s start and end into one row, in either order', () => {
    const expected: MediaSessionRow = {
      id: 'rec-1',
      kind: 'recording',
      callBridge: 'bridge-1',
      session: 'session-1',
      callId: 'call-1',
      callLegId: 'leg-1',
      path: '/recordings/board',
      uri: 'https://recorder.example.com',
      startMs: T0 + 5000,
      endMs: T0 + 65_000,
    };
    for (const order of permutations([recordingStart, recordingEnd])) {
      const row = fold('rec-1', order);
      assert.ok(row);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(row[key as keyof MediaSessionRow], value, key);
    }
    assert.deepEqual(fold('rec-1', [recordingEnd, recordingStart]), fold('rec-1', [recordingStart, recordingEnd]));
  });

  it('a streaming takes its streamerUri; it has no path', () => {
    const row = fold('str-1', [streamingEnd, streamingStart]);
    assert.ok(row);
    assert.deepEqual([row.kind, row.uri, row.path, row.callId, row.callLegId, row.startMs, row.endMs], ['streaming', 'rtmp://streamer.example.com/live', null, 'call-1', null, T0 + 7000, T0 + 70_000]);
  });

  it('a recording does not read a streamerUri, nor a streaming a recorderUri', () => {
    const rec = fold('r', [record('recordingStart', 0, '<recording id="r"><streamerUri>rtmp://x</streamerUri></recording>')]);
    const str = fold('s', [record('streamingStart', 0, '<streaming id="s"><recorderUri>https://x</recorderUri></streaming>')]);
    assert.deepEqual([rec?.uri, str?.uri], [null, null]);
  });

  it('an end alone is a row with an end and nothing else known', () => {
    const row = fold('rec-1', [recordingEnd]);
    assert.ok(row);
    assert.deepEqual([row.kind, row.startMs, row.endMs, row.callId, row.path], ['recording', null, T0 + 65_000, null, null]);
  });
});

describe('what a record is about', () => {
  it('maps each modelled record type to its object kind, and no other', () => {
    const kinds = Object.fromEntries(
      ['callStart', 'callEnd', 'callLegStart', 'callLegUpdate', 'callLegEnd', 'recordingStart', 'recordingEnd', 'streamingStart', 'streamingEnd', 'callStartX', 'CallStart', 'participantStart', ''].map((t) => [t, objectKindOf(t)]),
    );
    assert.deepEqual(kinds, {
      callStart: 'call',
      callEnd: 'call',
      callLegStart: 'callLeg',
      callLegUpdate: 'callLeg',
      callLegEnd: 'callLeg',
      recordingStart: 'recording',
      recordingEnd: 'recording',
      streamingStart: 'streaming',
      streamingEnd: 'streaming',
      callStartX: undefined,
      CallStart: undefined,
      participantStart: undefined,
      '': undefined,
    });
  });

  it('reads the object id from the body’s id attribute, trimmed; blank or missing is none', () => {
    assert.equal(objectIdOf(record('callLegStart', 0, '<callLeg id=" leg-9 "/>').body), 'leg-9');
    assert.equal(objectIdOf(record('callLegStart', 0, '<callLeg id="  "/>').body), null);
    assert.equal(objectIdOf(record('callLegStart', 0, '<callLeg><id>not-an-attribute</id></callLeg>').body), null);
    assert.equal(objectIdOf(undefined), null);
  });
});
