/**
 * Never stall delivery (issue 13): a complete post the collector cannot use is quarantined (its
 * bytes and reason kept, answered 200, listed and counted, nothing else of it stored); text the
 * database cannot hold is stored escaped with the record's exact bytes; bytes that are not UTF-8 are
 * kept byte for byte; only a transient storage failure answers 5xx.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { request } from 'undici';
import { forEachDialect } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml } from '../support/cdrXml.ts';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);

/** POSTs exact bytes. */
async function postBytes(c: TestCollector, bytes: Buffer, path = '/cdr'): Promise<{ status: number; headers: Record<string, unknown>; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await request(`${c.url}${path}`, { method: 'POST', body: bytes, headers: { 'content-type': 'text/xml' } });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, headers: res.headers, json };
}

/** The bytes of `xml` with `marker` replaced by `bytes`. */
function withBytes(xml: string, marker: string, bytes: Buffer): Buffer {
  const at = xml.indexOf(marker);
  assert.ok(at >= 0);
  return Buffer.concat([Buffer.from(xml.slice(0, at)), bytes, Buffer.from(xml.slice(at + marker.length))]);
}

/** The exact bytes of the n-th `<record>` element of a post (the test posts have no nested records). */
function recordBytes(post: Buffer, n: number): Buffer {
  let from = 0;
  for (let i = 0; i <= n; i++) from = post.indexOf('<record ', i === 0 ? 0 : from + 1);
  const end = post.indexOf('</record>', from) + '</record>'.length;
  return post.subarray(from, end);
}

forEachDialect('collector quarantine', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
  });
  after(() => c.close());

  it('quarantines 99 nested elements and a DOCTYPE with an external entity (answered 200, nothing else stored), and lists and counts them', async () => {
    const before = await c.get('/status');
    const nested = `<records session="q-nested"><record type="callLegStart" correlatorIndex="1"><callLeg id="q-leg">${'<a>'.repeat(99)}x${'</a>'.repeat(99)}</callLeg></record></records>`;
    const doctype = `<?xml version="1.0"?><!DOCTYPE records [<!ENTITY secret SYSTEM "file:///etc/passwd">]><records session="q-doctype"><record type="callLegStart" correlatorIndex="1"><callLeg id="q-leg2"><remoteParty>&secret;</remoteParty></callLeg></record></records>`;
    const answers = [];
    for (const xml of [nested, doctype]) {
      const res = await postBytes(c, Buffer.from(xml), '/cdr?system_id=cms9&token=not-kept');
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.code, 'malformedXml');
      answers.push(res.json);
    }
    assert.match(answers[0].reason, /nested/i);
    assert.match(answers[1].reason, /external entit/i);

    const after = await c.get('/status');
    assert.equal(after.records, before.records, 'no record stored');
    assert.equal(after.sessions, before.sessions, 'no session counted');
    assert.equal(after.quarantined, Number(before.quarantined) + 2);
    assert.equal((await c.api('/sessions/q-nested')).status, 404);
    assert.equal((await c.api('/callLegs/q-leg')).status, 404);

    const list = await c.get('/quarantine?limit=2');
    assert.equal(list.total, after.quarantined);
    assert.deepEqual(list.quarantine.map((q: { id: number }) => q.id), [answers[1].quarantined, answers[0].quarantined], 'newest first');
    const [newest] = list.quarantine;
    assert.equal(newest.code, 'malformedXml');
    assert.equal(newest.source, 'system_id=cms9', 'the token is not kept');
    assert.equal(newest.size, Buffer.byteLength(doctype));
    assert.ok(newest.remoteAddress);
    assert.equal(newest.body, undefined, 'a list has no bodies');
    assert.equal((await c.get('/quarantine?limit=1&offset=1')).quarantine[0].id, answers[0].quarantined);

    const one = (await c.get(`/quarantine/${answers[0].quarantined}`)).post;
    assert.equal(one.body, nested);
    assert.equal(Buffer.from(one.bodyBase64, 'base64').toString(), nested);
    assert.equal((await c.api('/quarantine/999999')).status, 404);
    assert.equal((await c.api('/quarantine/x')).status, 404);
  });

  it('stores a U+0000 in a value (raw byte or character reference): escaped in the values, exact bytes kept', async () => {
    const xml = recordsXml('q-nul', [
      { type: 'callLegStart', time: at(T0, 0), correlatorIndex: 1, body: body.legStart('q-nul-raw', { remoteParty: 'a@NUL@b', displayName: 'caller@NUL@name' }) },
      { type: 'callLegStart', time: at(T0, 1), correlatorIndex: 2, body: body.legStart('q-nul-ref', { remoteParty: 'a&#0;b' }) },
    ]);
    const bytes = Buffer.from(xml.replaceAll('@NUL@', '\u0000'));
    assert.equal(bytes.indexOf(0) > 0, true);
    const res = await postBytes(c, bytes, '/cdr?system_id=%00x');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { received: 2, stored: 2, duplicates: 0 });

    const raw = (await c.get('/callLegs/q-nul-raw')).callLeg;
    assert.equal(raw.remoteParty, 'a\\u0000b');
    assert.equal(raw.displayName, 'caller\\u0000name');
    assert.equal((await c.get('/callLegs/q-nul-ref')).callLeg.remoteParty, 'ab', 'fast-xml-parser drops a reference to U+0000');

    const { records } = await c.get('/records?session=q-nul');
    assert.equal(records.length, 2);
    assert.equal(records[0].source, 'system_id=%00x', 'the source stays percent-encoded');
    assert.ok(!records[0].xml.includes('\u0000'));
    assert.match(records[0].xml, /a\\u0000b/);
    assert.deepEqual(Buffer.from(records[0].rawBase64, 'base64'), recordBytes(bytes, 0), 'the record byte for byte');
    assert.equal(records[1].rawBase64, null, 'its text is exact');
    assert.equal(Buffer.from(records[1].xml).compare(recordBytes(bytes, 1)), 0);

    // An out-of-order record makes the leg be rebuilt from its stored records: the same values.
    const end = recordsXml('q-nul', [{ type: 'callLegEnd', time: at(T0, 9), correlatorIndex: 4, body: body.legEnd('q-nul-raw') }]);
    assert.equal((await c.post(end)).status, 200);
    const update = recordsXml('q-nul', [{ type: 'callLegUpdate', time: at(T0, 5), correlatorIndex: 3, body: body.legUpdate('q-nul-raw', { state: 'connected', displayName: 'x@NUL@y' }) }]);
    assert.equal((await postBytes(c, Buffer.from(update.replace('@NUL@', '\u0000')))).status, 200);
    const rebuilt = (await c.get('/callLegs/q-nul-raw')).callLeg;
    assert.equal(rebuilt.remoteParty, 'a\\u0000b');
    assert.equal(rebuilt.hasEnd, true);
  });

  it('keeps bytes that are not UTF-8 byte for byte (Jos\\xe9), and reads the values as UTF-8', async () => {
    const xml = recordsXml('q-latin1', [
      { type: 'callLegStart', time: at(T0, 0), correlatorIndex: 1, body: body.legStart('q-latin1-leg', { displayName: '@NAME@' }) },
      { type: 'callLegEnd', time: at(T0, 60), correlatorIndex: 2, body: body.legEnd('q-latin1-leg') },
    ]);
    const bytes = withBytes(xml, '@NAME@', Buffer.from([0x4a, 0x6f, 0x73, 0xe9])); // "José" in ISO-8859-1
    const res = await postBytes(c, bytes);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.stored, 2);
    assert.equal((await c.get('/callLegs/q-latin1-leg')).callLeg.displayName, 'Jos\ufffd');
    const { records } = await c.get('/records?session=q-latin1');
    assert.deepEqual(Buffer.from(records[0].rawBase64, 'base64'), recordBytes(bytes, 0), 'the record byte for byte');
    assert.equal(records[1].rawBase64, null, 'a record whose bytes are UTF-8 needs none');

    // A post that is not UTF-8 and cannot be read: quarantined byte for byte.
    const broken = withBytes('<records session="q-latin1"><record type="x" correlatorIndex="9"><a>@</b></record></records>', '@', Buffer.from([0xff, 0xfe, 0x00]));
    const quarantined = await postBytes(c, broken);
    assert.equal(quarantined.status, 200);
    const { post } = await c.get(`/quarantine/${quarantined.json.quarantined}`);
    assert.equal(post.body, null, 'not UTF-8: no text');
    assert.deepEqual(Buffer.from(post.bodyBase64, 'base64'), broken);
  });

  const sqliteHasNoLimit = dialect === 'sqlite' ? 'SQLite stores a key of any size' : false;
  it('quarantines a post the database refuses for a reason a retry cannot fix (a session too large for its index)', { skip: sqliteHasNoLimit }, async () => {
    // Random base64 does not compress: the session is larger than a btree entry may be (2704 bytes).
    const session = randomBytes(6000).toString('base64');
    const xml = recordsXml(session, [{ type: 'callLegStart', time: at(T0, 0), correlatorIndex: 1, body: body.legStart('q-huge') }]);
    const before = await c.get('/status');
    const res = await c.post(xml);
    assert.equal(res.status, 200, res.text);
    const after = await c.get('/status');
    const answer = JSON.parse(res.text);
    assert.equal(answer.code, 'storageRefused');
    assert.equal(after.quarantined, Number(before.quarantined) + 1);
    assert.equal(after.records, before.records);
    assert.equal((await c.api('/callLegs/q-huge')).status, 404);
    const { post } = await c.get(`/quarantine/${answer.quarantined}`);
    assert.equal(post.session, session);
    assert.equal(post.body, xml);
  });

  it('answers 503 with Retry-After when the database is unavailable, and quarantines nothing', async () => {
    const own = await startTestCollector(dialect);
    try {
      assert.equal((await own.post(recordsXml('q-down', [{ type: 'callStart', time: at(T0, 0), correlatorIndex: 0, body: body.callStart('q-down-call') }]))).status, 200);
      await own.collector.storage.close();
      for (const xml of [recordsXml('q-down', [{ type: 'callEnd', time: at(T0, 9), correlatorIndex: 1, body: body.callEnd('q-down-call', 9) }]), '<not-a-post']) {
        const res = await own.post(xml);
        assert.equal(res.status, 503, res.text);
        assert.equal(res.headers['retry-after'], '5');
        assert.equal(JSON.parse(res.text).error.code, 'storageUnavailable');
      }
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});

forEachDialect('collector quarantine (stored rows)', (dialect) => {
  it('keeps the escaped text and the exact bytes in the database (raw, raw_bytes), on both dialects', async () => {
    const c = await startTestCollector(dialect);
    try {
      const xml = recordsXml('q-db', [{ type: 'callLegStart', time: at(T0, 0), correlatorIndex: 1, body: body.legStart('q-db-leg', { remoteParty: 'a@NUL@b' }) }]);
      const bytes = Buffer.from(xml.replace('@NUL@', '\u0000'));
      assert.equal((await postBytes(c, bytes)).status, 200);
      const row = await c.collector.storage.db.selectFrom('cdrRecord').select(['raw', 'rawBytes']).where('session', '=', 'q-db').executeTakeFirstOrThrow();
      assert.ok(row.raw.includes('a\\u0000b'));
      assert.deepEqual(Buffer.from(row.rawBytes ?? new Uint8Array()), recordBytes(bytes, 0));
      const leg = await c.collector.storage.db.selectFrom('callLeg').select('remoteParty').where('id', '=', 'q-db-leg').executeTakeFirstOrThrow();
      assert.equal(leg.remoteParty, 'a\\u0000b');
    } finally {
      await c.close();
    }
  });
});
