/** Reports, CSV streaming and retention, over a known day of calls, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml, type RecordSpec } from '../support/cdrXml.ts';

const DAY = Date.UTC(2026, 0, 5);
const T9 = DAY + 9 * 3600_000;
const RANGE = `from=${new Date(DAY).toISOString()}&to=${new Date(DAY + 12 * 3600_000).toISOString()}`;

function dayRecords(): RecordSpec[] {
  const m = (min: number) => at(T9, min * 60);
  const specs: Omit<RecordSpec, 'correlatorIndex'>[] = [
    { type: 'callStart', time: m(0), body: body.callStart('r-c1', { name: 'Space X', coSpace: 'space-x', tenant: 't1' }) },
    { type: 'callLegStart', time: m(0), body: body.legStart('r-l1', { remoteParty: 'alice@example.com', call: 'r-c1' }) },
    { type: 'callLegStart', time: m(5), body: body.legStart('r-l2', { remoteParty: 'bob@example.com', call: 'r-c1' }) },
    { type: 'callLegEnd', time: m(10), body: body.legEnd('r-l1', { durationSeconds: 600, reason: 'remoteTeardown' }) },
    { type: 'callStart', time: m(30), body: body.callStart('r-c2', { name: 'Space Y', coSpace: 'space-y', tenant: 't2' }) },
    { type: 'callLegStart', time: m(30), body: body.legStart('r-l3', { remoteParty: 'alice@example.com', call: 'r-c2' }) },
    { type: 'callLegEnd', time: m(40), body: body.legEnd('r-l3', { durationSeconds: 600, reason: 'remoteBusy' }) },
    { type: 'callEnd', time: m(40), body: body.callEnd('r-c2', 600) },
    {
      type: 'callLegEnd',
      time: m(65),
      body: body.legEnd('r-l2', { durationSeconds: 3600, reason: 'callDeactivated', remoteTeardown: false, alarms: [{ type: 'packetLoss', pct: 5 }], lossDensity: 0.02 }),
    },
    { type: 'callEnd', time: m(65), body: body.callEnd('r-c1', 3900, 2) },
  ];
  return specs.map((s, i) => ({ ...s, correlatorIndex: i }));
}

forEachDialect('collector reports', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
    assert.equal((await c.post(recordsXml('sess-reports', dayRecords(), 'bridge-r'))).status, 200);
  });
  after(() => c.close());

  it('usage minutes per space, party and tenant per day', async () => {
    const bySpace = await c.get(`/reports/usage?groupBy=coSpace&${RANGE}`);
    assert.deepEqual(bySpace.usage, [
      { day: '2026-01-05', coSpace: 'space-x', name: 'Space X', minutes: 70, callLegs: 2 },
      { day: '2026-01-05', coSpace: 'space-y', name: 'Space Y', minutes: 10, callLegs: 1 },
    ]);
    const byParty = await c.get(`/reports/usage?groupBy=remoteParty&${RANGE}`);
    assert.deepEqual(
      byParty.usage.map((u: { remoteParty: string; minutes: number }) => [u.remoteParty, u.minutes]),
      [
        ['alice@example.com', 20],
        ['bob@example.com', 60],
      ],
    );
    const byTenant = await c.get(`/reports/usage?groupBy=tenant&${RANGE}`);
    assert.deepEqual(byTenant.usage.map((u: { tenant: string; minutes: number }) => [u.tenant, u.minutes]), [['t1', 70], ['t2', 10]]);
  });

  it('peak concurrent legs and calls per hour, every hour of the range', async () => {
    const r = await c.get(`/reports/concurrency?${RANGE}`);
    assert.equal(r.hours.length, 12);
    const h = (hour: number) => r.hours[hour];
    assert.deepEqual(h(8), { hour: '2026-01-05T08:00:00.000Z', peakCallLegs: 0, peakCalls: 0 });
    assert.deepEqual(h(9), { hour: '2026-01-05T09:00:00.000Z', peakCallLegs: 2, peakCalls: 2 });
    assert.deepEqual(h(10), { hour: '2026-01-05T10:00:00.000Z', peakCallLegs: 1, peakCalls: 1 });
    assert.deepEqual(h(11), { hour: '2026-01-05T11:00:00.000Z', peakCallLegs: 0, peakCalls: 0 });
    assert.equal(r.peakCallLegs, 2);
    // A range starting while legs are active counts them from the start.
    const mid = await c.get(`/reports/concurrency?from=${new Date(T9 + 35 * 60_000).toISOString()}&to=${new Date(T9 + 36 * 60_000).toISOString()}`);
    assert.deepEqual(mid.hours.map((x: { peakCallLegs: number }) => x.peakCallLegs), [2]);
  });

  it('disconnect reasons, quality and top spaces/parties', async () => {
    const reasons = await c.get(`/reports/disconnectReasons?${RANGE}`);
    assert.deepEqual(reasons.reasons, [
      { reason: 'callDeactivated', remoteTeardown: false, callLegs: 1 },
      { reason: 'remoteBusy', remoteTeardown: true, callLegs: 1 },
      { reason: 'remoteTeardown', remoteTeardown: true, callLegs: 1 },
    ]);
    const quality = await c.get(`/reports/quality?${RANGE}`);
    assert.equal(quality.days.length, 1);
    assert.equal(quality.days[0].day, '2026-01-05');
    assert.equal(quality.days[0].callLegs, 3);
    assert.equal(quality.days[0].withAlarms, 1);
    assert.equal(quality.days[0].withPacketLoss, 1);
    assert.equal(quality.days[0].packetLossAlarms, 1);
    const poor = await c.get('/callLegs?quality=poor');
    assert.deepEqual(poor.callLegs.map((l: { id: string }) => l.id), ['r-l2']);
    assert.deepEqual(poor.callLegs[0].alarms, [{ type: 'packetLoss', durationPercentage: 5 }]);
    assert.equal(poor.callLegs[0].packetLossAlarmPct, 5);
    const top = await c.get(`/reports/top?by=coSpace&limit=1&${RANGE}`);
    assert.deepEqual(top.top, [{ coSpace: 'space-x', name: 'Space X', minutes: 70, callLegs: 2, calls: 1 }]);
    const parties = await c.get(`/reports/top?by=remoteParty&${RANGE}`);
    assert.deepEqual(parties.top.map((p: { remoteParty: string }) => p.remoteParty), ['bob@example.com', 'alice@example.com']);
  });

  it('CSV for tables, with RFC 4180 quoting', async () => {
    const res = await c.api('/callLegs?format=csv');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    assert.equal(lines.length, 4);
    const header = (lines[0] ?? '').split(',');
    assert.ok(header.includes('id') && header.includes('reason') && header.includes('alarms'));
    const alarmsCol = header.indexOf('alarms');
    const l2 = lines.find((l) => l.startsWith('r-l2,')) ?? '';
    assert.ok(l2.includes('"[{""type"":""packetLoss"",""durationPercentage"":5}]"'), l2);
    assert.ok(alarmsCol > 0);
    const usage = await c.api(`/reports/usage?format=csv&${RANGE}`);
    assert.equal(usage.text, 'day,coSpace,name,minutes,callLegs\r\n2026-01-05,space-x,Space X,70,2\r\n2026-01-05,space-y,Space Y,10,1\r\n');
    const hours = await c.api(`/reports/concurrency?format=csv&${RANGE}`);
    assert.equal(hours.text.split('\r\n')[10], '2026-01-05T09:00:00.000Z,2,2');
  });
});

forEachDialect('collector usage by remote party over several days', (dialect) => {
  let c: TestCollector;
  const d1 = Date.UTC(2026, 0, 5);
  const d3 = Date.UTC(2026, 0, 7);
  before(async () => {
    c = await startTestCollector(dialect);
    const leg = (id: string, startMs: number, party: string, seconds: number | null, displayName?: string): Omit<RecordSpec, 'correlatorIndex'>[] => [
      { type: 'callLegStart', time: at(startMs, 0), body: body.legStart(id, { remoteParty: `${party}@example.com`, ...(displayName ? { displayName } : {}) }) },
      ...(seconds === null ? [] : [{ type: 'callLegEnd', time: at(startMs, seconds), body: body.legEnd(id, { durationSeconds: seconds }) }]),
    ];
    const h = (day: number, hour: number) => day + hour * 3600_000;
    const specs = [
      ...leg('u-1', h(d1, 5), 'carol', 600), // before the range
      ...leg('u-2', h(d1, 8), 'carol', 120, 'Carol'),
      ...leg('u-3', h(d1, 9), 'dave', 60),
      ...leg('u-4', h(d1, 10), 'carol', 240),
      ...leg('u-5', h(d1, 11), 'erin', null), // not ended
      ...leg('u-6', h(d3, 7), 'dave', 1800),
      ...leg('u-7', h(d3, 13), 'carol', 60), // after the range
    ];
    assert.equal((await c.post(recordsXml('sess-usage', specs.map((s, i) => ({ ...s, correlatorIndex: i })), 'bridge-u'))).status, 200);
  });
  after(() => c.close());

  it('one row per day and party, in order, only legs that began and ended in the range', async () => {
    const range = `from=${new Date(d1 + 6 * 3600_000).toISOString()}&to=${new Date(d3 + 12 * 3600_000).toISOString()}`;
    const r = await c.get(`/reports/usage?groupBy=remoteParty&${range}`);
    assert.deepEqual(r.usage, [
      { day: '2026-01-05', remoteParty: 'carol@example.com', name: 'Carol', minutes: 6, callLegs: 2 },
      { day: '2026-01-05', remoteParty: 'dave@example.com', name: null, minutes: 1, callLegs: 1 },
      { day: '2026-01-07', remoteParty: 'dave@example.com', name: null, minutes: 30, callLegs: 1 },
    ]);
    const empty = await c.get(`/reports/usage?groupBy=remoteParty&from=${new Date(d1 + 12 * 3600_000).toISOString()}&to=${new Date(d3).toISOString()}`);
    assert.deepEqual(empty.usage, []);
  });
});

forEachDialect('collector CSV streaming over many pages', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
  });
  after(() => c.close());

  it('streams every leg of a 2,500-leg flood, in order, each once', async () => {
    const legs = 2500;
    for (let first = 0; first < legs; first += 250) {
      const records: RecordSpec[] = [];
      for (let i = first; i < first + 250; i++) {
        records.push({ type: 'callLegStart', time: at(DAY, Math.floor(i / 7)), correlatorIndex: i, body: body.legStart(`f-${String(i).padStart(5, '0')}`) });
      }
      assert.equal((await c.post(recordsXml('sess-flood', records))).status, 200);
    }
    const res = await c.api('/callLegs?format=csv');
    const lines = res.text.trimEnd().split('\r\n').slice(1);
    assert.equal(lines.length, legs);
    const ids = lines.map((l) => l.split(',')[0]);
    assert.equal(new Set(ids).size, legs);
    assert.deepEqual(ids, [...ids].sort());
    const callsCsv = await c.api('/calls?format=csv');
    assert.equal(callsCsv.text, '', 'no calls: an empty CSV');
  });
});

forEachDialect('collector retention', (dialect) => {
  let c: TestCollector;
  const clock = new FakeClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  before(async () => {
    c = await startTestCollector(dialect, { clock, config: { retentionDays: 30, retentionIntervalMs: 3600_000 } });
  });
  after(() => c.close());

  it('drops records, calls and legs older than N days on its schedule, and keeps the rest', async () => {
    const old = clock.now() - 40 * 86_400_000;
    const recent = clock.now() - 1 * 86_400_000;
    const flow = (session: string, base: number, id: string) =>
      recordsXml(session, [
        { type: 'callStart', time: at(base, 0), correlatorIndex: 0, body: body.callStart(`${id}-call`) },
        { type: 'callLegStart', time: at(base, 0), correlatorIndex: 1, body: body.legStart(`${id}-leg`, { call: `${id}-call` }) },
        { type: 'callLegEnd', time: at(base, 60), correlatorIndex: 2, body: body.legEnd(`${id}-leg`) },
        { type: 'callEnd', time: at(base, 60), correlatorIndex: 3, body: body.callEnd(`${id}-call`, 60) },
      ]);
    assert.equal((await c.post(flow('sess-old', old, 'old'))).status, 200);
    assert.equal((await c.post(flow('sess-new', recent, 'new'))).status, 200);
    assert.equal((await c.get('/status')).records, 8);
    await c.collector.retention?.lastRun;
    await clock.advance(3600_000);
    await c.collector.retention?.lastRun;
    assert.equal((await c.get('/status')).records, 4);
    assert.equal((await c.api('/calls/old-call')).status, 404);
    assert.equal((await c.api('/callLegs/old-leg')).status, 404);
    assert.equal((await c.get('/calls/new-call')).callLegs.length, 1);
    assert.equal((await c.get(`/records?session=sess-new`)).records.length, 4);
  });
});
