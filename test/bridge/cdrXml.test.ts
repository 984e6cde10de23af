import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cdrTime, renderRecordBody, renderRecords } from '../../src/bridge/cdr/xml.ts';
import type { CdrRecordBody } from '../../src/bridge/cdr/recordBodies.ts';
import { xmlShape } from '../support/http.ts';
import { GUIDE_FLOW, LEG_A } from '../support/cdrRecords.ts';
import { parseRecords } from '../support/cdrReceiver.ts';

const SESSION = 'a865433a-4926-4549-a701-9bb5b93c75e6';
const AT = Date.UTC(2015, 6, 23, 7, 32, 55, 417);

/** Shape of a whole post, without the XML declaration. */
function shape(text: string): string {
  return xmlShape(text).replace(/^\?xml\[@version\]\(\)/, '');
}

function post(records: readonly CdrRecordBody[], callBridge?: string): string {
  return renderRecords(
    SESSION,
    callBridge,
    records.map((r, i) => ({ type: r.type, timeMs: AT, correlatorIndex: i, recordIndex: i + 1, missing: 0, body: renderRecordBody(r) })),
  );
}

describe('CDR XML', () => {
  test('time is RFC 3339 UTC to the second', () => {
    assert.equal(cdrTime(AT), '2015-07-23T07:32:55Z');
  });

  test('envelope: declaration, session, no callBridge unless clustered, record attributes in the guide order', () => {
    const first = GUIDE_FLOW[0] ?? [];
    const text = post(first);
    assert.ok(text.startsWith('<?xml version="1.0"?>\n<records session="a865433a-4926-4549-a701-9bb5b93c75e6">'));
    assert.match(text, /<record type="callLegStart" time="2015-07-23T07:32:55Z" recordIndex="1" correlatorIndex="0">/);
    const clustered = post(first, '158ba4f7-70eb-4a35-982c-71d4f1674277');
    assert.match(clustered, /<records session="a865433a-[^"]+" callBridge="158ba4f7-70eb-4a35-982c-71d4f1674277">/);
  });

  test('numPreceedingRecordsMissing (sic) only on the record after a gap', () => {
    const body = renderRecordBody({ type: 'recordingEnd', recording: { id: 'r1' } });
    const text = renderRecords(SESSION, undefined, [
      { type: 'recordingEnd', timeMs: AT, correlatorIndex: 17, recordIndex: 5, missing: 12, body },
      { type: 'recordingEnd', timeMs: AT, correlatorIndex: 18, recordIndex: 6, missing: 0, body },
    ]);
    const records = parseRecords(text);
    assert.deepEqual(records.map((r) => r.missing), [12, undefined]);
    assert.match(text, /recordIndex="5" correlatorIndex="17" numPreceedingRecordsMissing="12">/);
  });

  test('the guide example flow renders with the guide element order and number formats', () => {
    const [p1, p2, , , p5, p6] = GUIDE_FLOW;
    assert.equal(
      shape(post(p1 ?? [])),
      'records[@session](record[@type,@time,@recordIndex,@correlatorIndex](callLeg[@id](remoteParty()localAddress()type()direction()groupId()sipCallId())))',
    );
    assert.equal(
      shape(post(p2 ?? [])),
      'records[@session](record[@type,@time,@recordIndex,@correlatorIndex](call[@id](name()callType()coSpace()callCorrelator()))' +
        'record[@type,@time,@recordIndex,@correlatorIndex](callLeg[@id](state()call()groupId()sipCallId())))',
    );
    const end = post(p5 ?? []);
    assert.equal(
      shape(end),
      'records[@session](record[@type,@time,@recordIndex,@correlatorIndex](callLeg[@id](reason()remoteTeardown()durationSeconds()' +
        'mediaUsagePercentages(mainVideoViewer()mainVideoContributor())unencryptedMedia()' +
        'rxAudio(codec()packetStatistics(packetLossBursts(duration()density())packetGap(duration()density())))txAudio(codec())' +
        'rxVideo(codec()maxSizeWidth()maxSizeHeight()packetStatistics(packetLossBursts(duration()density())packetGap(duration()density())))' +
        'txVideo(codec()maxSizeWidth()maxSizeHeight())sipCallId())))',
    );
    assert.match(end, /<mainVideoViewer>100\.0<\/mainVideoViewer>/);
    assert.match(end, /<packetGap><duration>9\.701<\/duration><density>0\.00<\/density><\/packetGap>/);
    assert.match(end, /<maxSizeWidth>768<\/maxSizeWidth>/);
    const last = post(p6 ?? []);
    assert.match(last, /<call id="46d49cb4-8171-4abc-97f5-b88035b1da0a"><callLegsCompleted>2<\/callLegsCompleted><callLegsMaxActive>2<\/callLegsMaxActive><durationSeconds>10<\/durationSeconds><\/call>/);
  });

  test('every record type has its wrapper element and id', () => {
    const cases: Array<[CdrRecordBody, RegExp]> = [
      [{ type: 'callStart', call: { id: 'c', name: 'n', callType: 'adHoc', callCorrelator: 'x', coSpaceMetaDataConfigured: false } }, /^<call id="c"><name>n<\/name><callType>adHoc<\/callType><callCorrelator>x<\/callCorrelator><coSpaceMetaDataConfigured>false<\/coSpaceMetaDataConfigured><\/call>$/],
      [{ type: 'callEnd', call: { id: 'c', callLegsCompleted: 0, callLegsMaxActive: 0, durationSeconds: 0, endpointRecorded: true } }, /^<call id="c">.*<endpointRecorded>true<\/endpointRecorded><\/call>$/],
      [{ type: 'callLegStart', callLeg: { id: 'l', type: 'acano', direction: 'outgoing', displayName: '', canMove: true } }, /^<callLeg id="l"><displayName\/><type>acano<\/type><direction>outgoing<\/direction><canMove>true<\/canMove><\/callLeg>$/],
      [{ type: 'callLegUpdate', callLeg: { id: 'l', inIvr: true, call: 'ignored' } }, /^<callLeg id="l"><ivr\/><\/callLeg>$/],
      [{ type: 'recordingStart', recording: { id: 'r', path: '/rec/a.mp4', call: 'c', callLeg: 'l' } }, /^<recording id="r"><path>\/rec\/a\.mp4<\/path><call>c<\/call><callLeg>l<\/callLeg><\/recording>$/],
      [{ type: 'recordingEnd', recording: { id: 'r' } }, /^<recording id="r"><\/recording>$/],
      [{ type: 'streamingStart', streaming: { id: 's', streamerUri: 'rtmp://x/y', call: 'c' } }, /^<streaming id="s"><streamerUri>rtmp:\/\/x\/y<\/streamerUri><call>c<\/call><\/streaming>$/],
      [{ type: 'streamingEnd', streaming: { id: 's' } }, /^<streaming id="s"><\/streaming>$/],
    ];
    for (const [record, expected] of cases) assert.match(renderRecordBody(record), expected, record.type);
  });

  test('callLegEnd alarms, multistreamVideo and media flags nest as the guide describes', () => {
    const text = renderRecordBody({
      type: 'callLegEnd',
      callLeg: {
        id: LEG_A,
        cdrTag: 'tag',
        reason: 'localTeardown',
        remoteTeardown: false,
        durationSeconds: 61,
        activatedDuration: 60,
        multistreamVideo: { maxScreens: 2 },
        encryptedMedia: true,
        alarms: [
          { type: 'packetLoss', durationPercentage: 12.5 },
          { type: 'highRoundTripTime', durationPercentage: 3 },
        ],
        ownerId: 'owner-1',
        confirmationStatus: 'rejected',
      },
    });
    assert.equal(
      xmlShape(text),
      'callLeg[@id](cdrTag()reason()remoteTeardown()durationSeconds()activatedDuration()multistreamVideo(maxScreens())encryptedMedia()' +
        'alarm(type()durationPercentage())alarm(type()durationPercentage())ownerId()confirmationStatus())',
    );
    assert.match(text, /<alarm><type>packetLoss<\/type><durationPercentage>12\.5<\/durationPercentage><\/alarm>/);
  });

  test('text and ids are escaped', () => {
    const text = renderRecordBody({ type: 'callStart', call: { id: 'a"b', name: 'Tom & <Jerry>', callType: 'coSpace', callCorrelator: 'x', cdrTag: "it's" } });
    assert.match(text, /^<call id="a&quot;b"><name>Tom &amp; &lt;Jerry&gt;<\/name>/);
    assert.match(text, /<cdrTag>it&apos;s<\/cdrTag>/);
  });
});
