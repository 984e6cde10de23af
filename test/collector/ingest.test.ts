/** CDR ingest over real HTTP: tolerance, quarantine of bad posts (nothing else kept), dedup, gaps, auth, transport. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { COLLECTOR_API_USER, guidePosts, startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml } from '../support/cdrXml.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

forEachDialect('collector ingest', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
  });
  after(() => c.close());

  const count = async (session: string): Promise<number> => (await c.get(`/records?session=${session}&limit=1000`)).records.length;

  it('a malformed post in the middle of a batch is quarantined (200): nothing else of it is stored', async () => {
    const s = 'sess-malformed';
    assert.equal((await c.post(recordsXml(s, [{ type: 'callLegStart', time: at(T0, 0), correlatorIndex: 0, recordIndex: 1, body: body.legStart('leg-m1') }]))).status, 200);
    const bad = [
      // valid record, then one without type
      `<records session="${s}"><record type="callLegStart" time="${at(T0, 1)}" correlatorIndex="1"><callLeg id="leg-m2"/></record><record time="${at(T0, 1)}" correlatorIndex="2"><callLeg id="leg-m3"/></record></records>`,
      // valid record, then one without any index
      `<records session="${s}"><record type="callLegStart" time="${at(T0, 1)}" correlatorIndex="1"><callLeg id="leg-m2"/></record><record type="callLegEnd" time="${at(T0, 1)}"><callLeg id="leg-m3"/></record></records>`,
      // an index that is no number
      `<records session="${s}"><record type="callLegStart" time="${at(T0, 1)}" correlatorIndex="1"><callLeg id="leg-m2"/></record><record type="callLegEnd" time="${at(T0, 1)}" correlatorIndex="x2"><callLeg id="leg-m3"/></record></records>`,
      // XML broken after a complete record
      `<records session="${s}"><record type="callLegStart" time="${at(T0, 1)}" correlatorIndex="1"><callLeg id="leg-m2"/></record><record type="callLegEnd"`,
      // unclosed element inside a record
      `<records session="${s}"><record type="callLegStart" time="${at(T0, 1)}" correlatorIndex="1"><callLeg id="leg-m2"></record></records>`,
    ];
    const codes = [];
    for (const xml of bad) {
      const res = await c.post(xml);
      assert.equal(res.status, 200, xml);
      codes.push(JSON.parse(res.text).code);
    }
    assert.deepEqual(codes, ['recordWithoutType', 'recordWithoutIndex', 'invalidRecordAttribute', 'malformedXml', 'malformedXml']);
    assert.equal((await c.post(recordsXml(s, [{ type: 'callLegEnd', time: at(T0, 9), correlatorIndex: 3, recordIndex: 4, body: body.legEnd('leg-m1') }]))).status, 200);
    const { records } = await c.get(`/records?session=${s}`);
    assert.deepEqual(records.map((r: { correlatorIndex: number }) => r.correlatorIndex), [0, 3]);
    assert.equal((await c.api('/callLegs/leg-m2')).status, 404);
    const session = await c.get(`/sessions/${s}`);
    assert.equal(session.posts, 2);
  });

  it('a large post (checked on a worker thread) is quarantined when its XML breaks at the end, and stored whole when whole', async () => {
    const s = 'sess-large';
    const records = Array.from({ length: 60 }, (_v, i) => ({ type: 'callLegStart', time: at(T0, i), correlatorIndex: i, recordIndex: i + 1, body: body.legStart(`leg-large-${i}`) }));
    const whole = recordsXml(s, records);
    assert.ok(whole.length > 8192, `post of ${whole.length} characters`);
    const broken = whole.replace(/<\/records>\s*$/, '<record type="callLegEnd"');
    const res = await c.post(broken);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).code, 'malformedXml');
    assert.equal(await count(s), 0);
    const bad = await c.post(whole.replace('<callLeg id="leg-large-59">', '<callLeg id="leg-large-59"><open>'));
    assert.equal(bad.status, 200);
    assert.equal(JSON.parse(bad.text).code, 'malformedXml');
    assert.equal(await count(s), 0);
    assert.equal((await c.post(whole)).status, 200);
    assert.equal(await count(s), 60);
    assert.equal((await c.api('/callLegs/leg-large-59')).status, 200);
  });

  it('quarantines a wrong root, a missing session and an empty body with a short reason', async () => {
    const cases: [string, string][] = [
      ['<calls><call id="x"/></calls>', 'wrongRoot'],
      ['<records><record type="callStart" correlatorIndex="0"/></records>', 'missingSession'],
      ['', 'emptyBody'],
      ['not xml at all', 'malformedXml'],
    ];
    for (const [xml, code] of cases) {
      const res = await c.post(xml);
      assert.equal(res.status, 200);
      const answer = JSON.parse(res.text);
      assert.equal(answer.code, code);
      assert.ok(answer.reason.length < 200);
      const { post } = await c.get(`/quarantine/${answer.quarantined}`);
      assert.equal(post.body, xml);
    }
  });

  it('accepts no callBridge (single node), pretty-printing, unknown elements, attributes and record types, and keeps them', async () => {
    const s = 'sess-tolerant';
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <!-- a comment -->
      <records session="${s}" futureAttribute="1">
        <record type="callStart" time="${at(T0, 0)}" recordIndex="1" correlatorIndex="0" newAttr="kept">
          <call id="call-t">
            <name>  Weekly  &amp; more </name>
            <callType>coSpace</callType>
            <futureElement level="3"><nested>yes</nested></futureElement>
          </call>
        </record>
        <record type="somethingNew" time="${at(T0, 1)}" recordIndex="2" correlatorIndex="1"><thing id="t1"><x>1</x></thing></record>
      </records>`;
    const res = await c.post(xml);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { received: 2, stored: 2, duplicates: 0 });
    const call = await c.get('/calls/call-t');
    assert.equal(call.call.name, 'Weekly  & more');
    assert.equal(call.call.callBridge, null);
    const { records } = await c.get(`/records?session=${s}`);
    assert.equal(records.length, 2);
    assert.match(records[0].xml, /newAttr="kept"/);
    assert.match(records[0].xml, /<futureElement level="3"><nested>yes<\/nested><\/futureElement>/);
    assert.equal(records[1].type, 'somethingNew');
    assert.match(records[1].xml, /<thing id="t1"><x>1<\/x><\/thing>/);
  });

  it('counts duplicates within a post, across posts, and by recordIndex when correlatorIndex is missing', async () => {
    const s = 'sess-dup';
    const r0 = { type: 'callLegStart', time: at(T0, 0), correlatorIndex: 0, recordIndex: 1, body: body.legStart('leg-d1') };
    const res1 = await c.post(recordsXml(s, [r0, r0]));
    assert.deepEqual(JSON.parse(res1.text), { received: 2, stored: 1, duplicates: 1 });
    const old1 = { type: 'callLegStart', time: at(T0, 1), recordIndex: 7, body: body.legStart('leg-d2') };
    const old2 = { type: 'callLegEnd', time: at(T0, 2), recordIndex: 8, body: body.legEnd('leg-d2') };
    assert.deepEqual(JSON.parse((await c.post(recordsXml(s, [old1]))).text), { received: 1, stored: 1, duplicates: 0 });
    assert.deepEqual(JSON.parse((await c.post(recordsXml(s, [old1, old2, r0]))).text), { received: 3, stored: 1, duplicates: 2 });
    const session = await c.get(`/sessions/${s}`);
    assert.equal(session.records, 3);
    assert.equal(session.duplicates, 3);
    assert.equal(await count(s), 3);
  });

  it('records gaps in correlatorIndex with numPreceedingRecordsMissing, and closes them when the records arrive', async () => {
    const s = 'sess-gap';
    const rec = (i: number, extra: { numPreceedingRecordsMissing?: number } = {}) => ({
      type: 'callLegStart',
      time: at(T0, i),
      correlatorIndex: i,
      body: body.legStart(`leg-g${i}`),
      ...extra,
    });
    await c.post(recordsXml(s, [rec(10), rec(11)]));
    await c.post(recordsXml(s, [rec(15, { numPreceedingRecordsMissing: 3 }), rec(16), rec(20)]));
    let session = await c.get(`/sessions/${s}`);
    assert.deepEqual(session.gaps, [
      { fromIndex: 12, toIndex: 14, count: 3, declaredMissing: 3 },
      { fromIndex: 17, toIndex: 19, count: 3, declaredMissing: null },
    ]);
    assert.equal(session.missingRecords, 6);
    assert.equal(session.declaredMissing, 3);
    assert.equal(session.minCorrelatorIndex, 10);
    await c.post(recordsXml(s, [rec(17), rec(18), rec(19)]));
    session = await c.get(`/sessions/${s}`);
    assert.deepEqual(session.gaps, [{ fromIndex: 12, toIndex: 14, count: 3, declaredMissing: 3 }]);
    const all = await c.get('/gaps');
    assert.ok(all.gaps.some((g: { session: string; fromIndex: number }) => g.session === s && g.fromIndex === 12));
    const sessions = await c.get('/sessions');
    const listed = sessions.sessions.find((x: { session: string }) => x.session === s);
    assert.equal(listed.gaps, 1);
    assert.equal(listed.missingRecords, 3);
  });

  it('refuses POSTs to the query API paths and stores nothing from them', async () => {
    const res = await c.post(recordsXml('sess-api', [{ type: 'callStart', time: at(T0, 0), correlatorIndex: 0, body: body.callStart('call-api') }]), '/api/v1/calls');
    assert.equal(res.status, 405);
    assert.equal((await c.api('/sessions/sess-api')).status, 404);
  });

  it('serves many posts over one keep-alive connection (HTTP/1.1, pipelined on a raw socket)', async () => {
    const url = new URL(c.url);
    const posts = [0, 1, 2].map((i) => recordsXml('sess-keepalive', [{ type: 'callLegStart', time: at(T0, i), correlatorIndex: i, body: body.legStart(`leg-k${i}`) }]));
    const request = posts
      .map((xml) => `POST /cdr HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(xml)}\r\nConnection: keep-alive\r\n\r\n${xml}`)
      .join('');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if ((data.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 3 && data.trimEnd().endsWith('}')) {
          socket.end();
          resolve(data);
        }
      });
      socket.on('error', reject);
      socket.write(request);
    });
    assert.equal((answer.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 3);
    assert.equal(await count('sess-keepalive'), 3);
  });

  it('query API: 401 without credentials, 400 JSON errors for bad parameters', async () => {
    assert.equal((await http('GET', `${c.url}/api/v1/calls`)).status, 401);
    assert.equal((await http('GET', `${c.url}/api/v1/calls`, { auth: { user: COLLECTOR_API_USER.user, password: 'wrong' } })).status, 401);
    for (const query of ['from=yesterday', 'limit=0', 'limit=abc', 'format=xml', 'colour=red', 'offset=-1']) {
      const res = await c.api(`/calls?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.json.error.code, 'invalidParameter', query);
    }
    const unknown = await c.api('/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'notFound');
    assert.equal((await c.api('/calls/no-such-call')).status, 404);
  });
});

forEachDialect('collector ingest authentication', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect, { config: { ingestAuth: { user: 'cms', password: 'cdr-secret', token: 'tok-123' } } });
  });
  after(() => c.close());

  it('accepts Basic auth or a token in the URI query, refuses others and stores nothing from them', async () => {
    const [post1, post2] = guidePosts();
    assert.equal((await c.post(post1 ?? '')).status, 401);
    assert.equal((await c.post(post1 ?? '', '/cdr?token=wrong')).status, 401);
    assert.equal((await c.post(post1 ?? '', '/cdr', { authorization: basic('cms', 'nope') })).status, 401);
    assert.equal((await c.get('/status')).records, 0);
    assert.equal((await c.post(post1 ?? '', '/cdr', { authorization: basic('cms', 'cdr-secret') })).status, 200);
    assert.equal((await c.post(post2 ?? '', '/cdr?system_id=cms1&token=tok-123')).status, 200);
    const { records } = await c.get('/records');
    assert.equal(records.length, 3);
    assert.equal(records[1].source, 'system_id=cms1', 'the token is not kept in the source');
  });
});

forEachDialect('collector post size limit', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect, { config: { bodyLimit: 4096 } });
  });
  after(() => c.close());

  it('answers 413 with a JSON reason for a post over the limit, keeps nothing of it, and stays up', async () => {
    const records = Array.from({ length: 40 }, (_v, i) => ({ type: 'callLegStart', time: at(T0, i), correlatorIndex: i, body: body.legStart(`big-${i}`) }));
    const res = await c.post(recordsXml('sess-big', records));
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.text).error.code, 'bodyTooLarge');
    assert.equal((await c.get('/status')).records, 0);
    assert.equal((await c.post(recordsXml('sess-big', records.slice(0, 2)))).status, 200);
  });
});

forEachDialect('collector over HTTPS', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect, { config: { listen: undefined, tlsListen: { host: '127.0.0.1', port: 0 } } });
  });
  after(() => c.close());

  it('receives posts and answers queries over TLS', async () => {
    assert.match(c.url, /^https:/);
    for (const post of guidePosts()) assert.equal((await c.post(post)).status, 200);
    assert.equal((await c.get('/status')).records, 8);
  });
});
