/**
 * Fuzz: CDR posts to the collector, mutated from real shapes (the CDR guide's posts, the guide's
 * misprinted ones, posts our bridge writes, and issue #13's reproductions): truncated, nested deeply,
 * with DOCTYPEs and entities, CDATA, comments and processing instructions, NUL bytes and `&#0;`, bytes
 * that are not UTF-8, duplicate and missing attributes, huge, negative and fractional indexes,
 * unknown record types, records duplicated or dropped, random byte flips, other encodings.
 *
 * Each run asserts: a complete post (under the body limit) is answered 200, stored or quarantined;
 * the records stored before are all still there, unchanged; a post that is not well-formed XML adds
 * no record (quarantined whole); every record a post added is, byte for byte, part of that post (its
 * `xml`, or `rawBase64` when the text is not exact); the collector still answers its query API.
 * On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { body as cdr, recordsXml } from '../support/cdrXml.ts';
import { COLLECTOR_API_USER, fixture, GUIDE, guidePosts, startTestCollector, type TestCollector } from '../support/collector.ts';
import { forEachDialect } from '../support/databases.ts';
import { assertReached, fuzzStats, runProperty, shown, trace } from '../support/fuzz.ts';
import { wellFormed } from '../support/strictXml.ts';
import { http } from '../support/http.ts';
import { request } from 'undici';

const FILE = 'test/fuzz/collector.test.ts';
const RUNS = { posts: 50 } as const;

/** Bytes as a string of one character per byte (latin1), so mutations work on bytes. */
const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

const BUILT_SESSION = 'f0f0f0f0-0000-4000-8000-000000000001';
const LEG = '11111111-2222-4333-8444-555555555555';
const CALL = '66666666-7777-4888-8999-000000000000';

/** The shapes mutated: name → the post's bytes (latin1 string). */
const BASES: Readonly<Record<string, string>> = {
  ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`guide post${n}`, bytes(fixture(`post${n}.xml`))])),
  'guide post5 as printed': bytes(fixture('post5-as-printed.xml')),
  'guide post5 stray record tag': bytes(fixture('post5-stray-record-tag.xml')),
  'bridge-style post': bytes(
    recordsXml(BUILT_SESSION, [
      { type: 'callStart', time: '2026-01-05T10:00:00Z', correlatorIndex: 0, recordIndex: 1, body: cdr.callStart(CALL, { name: 'Fuzz', cdrTag: 'tag' }) },
      { type: 'callLegStart', time: '2026-01-05T10:00:01Z', correlatorIndex: 1, recordIndex: 2, body: cdr.legStart(LEG, { call: CALL, displayName: 'Caf\u00e9 \u4f1a' }) },
      { type: 'callLegUpdate', time: '2026-01-05T10:00:02Z', correlatorIndex: 2, recordIndex: 3, body: cdr.legUpdate(LEG, { state: 'connected', call: CALL }) },
      { type: 'callLegEnd', time: '2026-01-05T10:00:30Z', correlatorIndex: 3, recordIndex: 4, body: cdr.legEnd(LEG, { durationSeconds: 29, alarms: [{ type: 'packetLoss', pct: 12.5 }] }) },
      { type: 'recordingStart', time: '2026-01-05T10:00:31Z', correlatorIndex: 4, recordIndex: 5, body: '<recording id="r1"><call>x</call></recording>' },
    ], '158ba4f7-70eb-4a35-982c-71d4f1674277'),
  ),
  // Issue #13, finding 1: a raw 0x00 byte in a value.
  'issue 13.1 NUL byte':
    '<records session="s"><record type="callLegStart" correlatorIndex="1"><callLeg id="n"><remoteParty>a\u0000b</remoteParty></callLeg></record></records>',
  'issue 13.1 &#0;': '<records session="s0"><record type="callLegStart" correlatorIndex="1"><callLeg id="n0"><remoteParty>a&#0;b</remoteParty></callLeg></record></records>',
  // Finding 9: a byte that is not UTF-8 (latin1 é).
  'issue 13.9 Jos\\xe9': `<records session="s9"><record type="callLegStart" correlatorIndex="1"><callLeg id="n9"><displayName>Jos\u00e9</displayName></callLeg></record></records>`,
};
const BASE_NAMES = Object.keys(BASES).sort();

/** Byte snippets to insert. */
const SNIPPETS: readonly string[] = [
  '\u0000', '&#0;', '&#x1;', '&#xFFFE;', '&#55296;', '\u00e9', '\u00ff\u00fe', '\u00c0\u00af', bytes('\ud7ff'), '\u00ed\u00a0\u0080', '\u0080', bytes('\ufeff'),
  '<!-- c -->', '<!--', '-->', '<![CDATA[x]]>', '<![CDATA[', ']]>', '<?pi x?>', '<?xml version="1.0"?>', '<x/>', '<x>', '</x>', '</record>', '</records>',
  '<record type="x" correlatorIndex="1">', '<record/>', '&', '&amp;', '&unknown;', '&e;', '<', '>', '"', "'", ' session="dup"', ' type="t"',
  ' correlatorIndex="1"', '\r\n', '\r', '\t', ' '.repeat(100), bytes('\u4f1a\u{1f389}'),
];

const DOCTYPES: readonly string[] = [
  '<!DOCTYPE records [<!ENTITY e "x">]>',
  '<!DOCTYPE records SYSTEM "file:///etc/passwd">',
  '<!DOCTYPE records [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE records [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
  '<!DOCTYPE records [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
  '<!DOCTYPE records [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
  '<!DOCTYPE records PUBLIC "-//x//y" "http://127.0.0.1:9/z.dtd">',
  '<!DOCTYPE records [',
];

const INDEX_VALUES: readonly string[] = [
  '', ' ', '-1', '-0', '0', '1.5', '1e3', '99999999999999999999', '9007199254740993', '999999999999999', ' 7 ', '0x1f', 'NaN', 'abc', '\uff11', '+3', '07',
];
const TYPE_VALUES: readonly string[] = ['fooBar', '', ' ', 'callLegStart ', 'CALLSTART', 'callStart', 'callEnd', 'recordingEnd', '<', '&amp;', 'x'.repeat(300)];
const RECORD_ATTRIBUTES: readonly string[] = ['type', 'correlatorIndex', 'recordIndex', 'numPreceedingRecordsMissing', 'time'];

type Mutation =
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'cut'; readonly at: number; readonly length: number }
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'insertAfterTag'; readonly tag: number; readonly text: string }
  | { readonly op: 'flip'; readonly at: number; readonly mask: number }
  | { readonly op: 'nest'; readonly tag: number; readonly depth: number }
  | { readonly op: 'doctype'; readonly text: string; readonly reference: boolean }
  | { readonly op: 'setAttribute'; readonly record: number; readonly name: string; readonly value: string }
  | { readonly op: 'removeAttribute'; readonly record: number; readonly name: string }
  | { readonly op: 'duplicateAttribute'; readonly record: number; readonly name: string; readonly value: string }
  | { readonly op: 'session'; readonly value: string | null }
  | { readonly op: 'duplicateRecord'; readonly record: number }
  | { readonly op: 'dropRecord'; readonly record: number }
  | { readonly op: 'encoding'; readonly kind: 'utf16' | 'bom' | 'latin1Declared' | 'crOnly' | 'empty' | 'whitespace' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ op: fc.constant('insertAfterTag' as const), tag: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('nest' as const), tag: fc.nat(), depth: fc.constantFrom(2, 50, 98, 99, 100, 256, 1000, 5000) }),
  fc.record({ op: fc.constant('doctype' as const), text: fc.constantFrom(...DOCTYPES), reference: fc.boolean() }),
  fc.record({
    op: fc.constant('setAttribute' as const),
    record: fc.nat(),
    name: fc.constantFrom(...RECORD_ATTRIBUTES),
    value: fc.oneof(fc.constantFrom(...INDEX_VALUES, ...TYPE_VALUES), fc.nat({ max: 1_000_000 }).map(String)),
  }),
  fc.record({ op: fc.constant('removeAttribute' as const), record: fc.nat(), name: fc.constantFrom(...RECORD_ATTRIBUTES) }),
  fc.record({ op: fc.constant('duplicateAttribute' as const), record: fc.nat(), name: fc.constantFrom(...RECORD_ATTRIBUTES), value: fc.constantFrom(...INDEX_VALUES) }),
  fc.record({ op: fc.constant('session' as const), value: fc.oneof(fc.uuid().map(String), fc.constantFrom(null, '', ' ', '\u0000', 'x'.repeat(5000), '&#0;', 'caf\u00e9')) }),
  fc.record({ op: fc.constant('duplicateRecord' as const), record: fc.nat() }),
  fc.record({ op: fc.constant('dropRecord' as const), record: fc.nat() }),
  fc.record({ op: fc.constant('encoding' as const), kind: fc.constantFrom('utf16' as const, 'bom' as const, 'latin1Declared' as const, 'crOnly' as const, 'empty' as const, 'whitespace' as const) }),
);

/** Start offsets of every `<record` start tag. */
function recordStarts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/<record[\s>/]/g)) out.push(m.index);
  return out;
}

function tagEnds(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('>'); i >= 0; i = text.indexOf('>', i + 1)) out.push(i + 1);
  return out;
}

/** The k-th (mod count) item, or undefined for none. */
function pick<T>(list: readonly T[], k: number): T | undefined {
  return list.length === 0 ? undefined : list[k % list.length];
}

function recordTagRange(text: string, k: number): { start: number; end: number } | undefined {
  const start = pick(recordStarts(text), k);
  if (start === undefined) return undefined;
  const end = text.indexOf('>', start);
  return end < 0 ? undefined : { start, end };
}

/** Applies one mutation to a post (latin1 string: one character per byte). */
function apply(text: string, m: Mutation): string {
  const at = (n: number): number => n % (text.length + 1);
  switch (m.op) {
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'cut':
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.length);
    case 'insert':
      return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
    case 'insertAfterTag': {
      const p = pick(tagEnds(text), m.tag) ?? 0;
      return text.slice(0, p) + m.text + text.slice(p);
    }
    case 'flip': {
      if (text.length === 0) return text;
      const i = m.at % text.length;
      return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ m.mask) + text.slice(i + 1);
    }
    case 'nest': {
      const p = pick(tagEnds(text), m.tag) ?? 0;
      return text.slice(0, p) + '<n>'.repeat(m.depth) + 'x' + '</n>'.repeat(m.depth) + text.slice(p);
    }
    case 'doctype': {
      const declaration = /^<\?xml[^>]*>/.exec(text);
      const p = declaration ? declaration[0].length : 0;
      let out = text.slice(0, p) + m.text + text.slice(p);
      if (m.reference) {
        const entity = /<!ENTITY (?:% )?(\w+)/.exec(m.text)?.[1];
        const slot = out.indexOf('</remoteParty>') >= 0 ? out.indexOf('</remoteParty>') : out.indexOf('</name>');
        if (entity !== undefined && slot >= 0) out = `${out.slice(0, slot)}&${entity};${out.slice(slot)}`;
      }
      return out;
    }
    case 'setAttribute':
    case 'removeAttribute':
    case 'duplicateAttribute': {
      const range = recordTagRange(text, m.record);
      if (!range) return text;
      let tag = text.slice(range.start, range.end);
      const attribute = new RegExp(`\\s${m.name}="[^"]*"`);
      if (m.op === 'removeAttribute') tag = tag.replace(attribute, '');
      else if (m.op === 'duplicateAttribute') tag = `${tag} ${m.name}="${bytes(m.value)}"`;
      else tag = attribute.test(tag) ? tag.replace(attribute, ` ${m.name}="${bytes(m.value)}"`) : `${tag} ${m.name}="${bytes(m.value)}"`;
      return text.slice(0, range.start) + tag + text.slice(range.end);
    }
    case 'session':
      return m.value === null ? text.replace(/\ssession="[^"]*"/, '') : text.replace(/\ssession="[^"]*"/, ` session="${bytes(m.value)}"`);
    case 'duplicateRecord':
    case 'dropRecord': {
      const start = pick(recordStarts(text), m.record);
      if (start === undefined) return text;
      const close = text.indexOf('</record>', start);
      const end = close < 0 ? text.length : close + '</record>'.length;
      const record = text.slice(start, end);
      return m.op === 'dropRecord' ? text.slice(0, start) + text.slice(end) : text.slice(0, end) + record + text.slice(end);
    }
    case 'encoding':
      switch (m.kind) {
        case 'utf16':
          return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(Buffer.from(text, 'latin1').toString('utf8'), 'utf16le')]).toString('latin1');
        case 'bom':
          return bytes('\ufeff') + text;
        case 'latin1Declared':
          return /^<\?xml[^>]*>/.test(text) ? text.replace(/^<\?xml[^>]*>/, '<?xml version="1.0" encoding="ISO-8859-1"?>') : `<?xml version="1.0" encoding="ISO-8859-1"?>${text}`;
        case 'crOnly':
          return text.replace(/\r?\n/g, '\r');
        case 'empty':
          return '';
        case 'whitespace':
          return ' \r\n\t ';
      }
  }
}

interface Post {
  readonly base: string;
  /** A session of its own (so its records are new), or the base's. */
  readonly session: string | null;
  readonly mutations: readonly Mutation[];
  readonly path: string;
}

const post: fc.Arbitrary<Post> = fc.record({
  base: fc.constantFrom(...BASE_NAMES),
  session: fc.option(fc.uuid().map(String), { freq: 2 }),
  mutations: fc.array(mutation, { maxLength: 3 }),
  path: fc.oneof(
    { weight: 6, arbitrary: fc.constant('/cdr') },
    { weight: 1, arbitrary: fc.constantFrom('/', '/cdr?system_id=cms1', '/cdr?system_id=%00', '/cdr?%zz=%', '/x/y/z?a=1&a=2', '/cdr?system_id=' + 'x'.repeat(2000), '/%2e%2e/cdr') },
  ),
});

function bodyOf(p: Post): Buffer {
  const base = BASES[p.base] ?? '';
  const start = p.session === null ? base : apply(base, { op: 'session', value: p.session });
  return Buffer.from(p.mutations.reduce(apply, start), 'latin1');
}

interface RecordView {
  readonly session: string;
  readonly correlatorIndex: number | null;
  readonly recordIndex: number | null;
  readonly xml: string;
  readonly rawBase64?: string | null;
}

const keyOf = (r: RecordView): string => `${r.session}|${r.correlatorIndex ?? '-'}|${r.recordIndex ?? '-'}|${JSON.stringify(r)}`;
const idOf = (r: RecordView): string => `${r.session}|${r.correlatorIndex ?? '-'}|${r.recordIndex ?? '-'}`;

forEachDialect('fuzz: collector CDR posts', (dialect) => {
  let c: TestCollector;

  async function records(): Promise<RecordView[]> {
    const out: RecordView[] = [];
    for (let offset = 0; ; offset += 1000) {
      const res = await c.api(`/records?limit=1000&offset=${offset}`);
      assert.equal(res.status, 200, `GET /records: ${res.status} ${shown(res.text)}`);
      const page = (res.json as { records: RecordView[] }).records;
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  async function stillAnswers(what: string): Promise<number> {
    const res = await c.api('/status');
    assert.equal(res.status, 200, `GET /api/v1/status after ${what}: ${res.status} ${shown(res.text)}`);
    return (res.json as { records: number }).records;
  }

  async function send(path: string, body: Buffer): Promise<{ status: number; text: string }> {
    trace(`collector POST ${path} ${shown(body.toString('latin1'))}`);
    const res = await request(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /**
   * The records as the previous check left them: nothing but posts changes them (the clock is fake,
   * so retention never runs), so a check reads the list once, after its post.
   */
  let known: RecordView[] | undefined;

  /** One post: 200; earlier records intact; nothing stored from malformed XML; new records are bytes of the post. */
  async function check(body: Buffer, path: string, what: string, stats?: ReturnType<typeof fuzzStats>): Promise<void> {
    const before = known ?? (await records());
    known = undefined;
    const res = await send(path, body);
    stats?.count(res.status);
    assert.equal(res.status, 200, `${what} → ${res.status} ${shown(res.text)}: a complete post is answered 200 (stored or quarantined)`);
    const afterList = await records();
    known = afterList;
    const now = new Set(afterList.map(keyOf));
    const lost = before.filter((r) => !now.has(keyOf(r)));
    assert.deepEqual(lost, [], `${what}: records stored before changed or went missing`);
    const ids = new Set(before.map(idOf));
    const added = afterList.filter((r) => !ids.has(idOf(r)));
    stats?.count(added.length > 0 ? 'stored' : 'nothing new');
    if (!wellFormed(body.toString('utf8'))) assert.deepEqual(added, [], `${what}: a post that is not well-formed XML stored records`);
    for (const r of added) {
      const exact = r.rawBase64 === undefined || r.rawBase64 === null ? Buffer.from(r.xml, 'utf8') : Buffer.from(r.rawBase64, 'base64');
      assert.ok(body.includes(exact), `${what}: stored record ${idOf(r)} is not the bytes of the post: ${shown(exact.toString('latin1'))}`);
    }
    await stillAnswers(what);
  }

  before(async () => {
    c = await startTestCollector(dialect);
    for (const xml of guidePosts()) assert.equal((await c.post(xml)).status, 200);
  });
  after(async () => {
    await c.close();
  });

  test('mutated CDR posts', async (t) => {
    const stats = fuzzStats();
    await runProperty(
      `collector [${dialect}] posts`,
      fc.asyncProperty(post, async (p) => {
        const body = bodyOf(p);
        await check(body, p.path, `POST ${p.path} ${shown(body.toString('latin1'), 600)}`, stats);
      }),
      { runs: RUNS.posts, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['stored', 'nothing new'], RUNS.posts);
  });

  // -----------------------------------------------------------------------------------------------------
  // Regressions: issue #13's findings on the collector

  test('regression #13.1: a raw NUL byte (and &#0;) in a value is stored, escaped, with the exact bytes kept', async () => {
    for (const name of ['issue 13.1 NUL byte', 'issue 13.1 &#0;']) {
      // A session of its own: the fuzzing above may have stored records under the base post's session.
      const session = name.endsWith('byte') ? 'regression-13-1-byte' : 'regression-13-1-entity';
      const body = Buffer.from((BASES[name] ?? '').replace(/session="[^"]*"/, `session="${session}"`), 'latin1');
      await check(body, '/cdr', name);
      const stored = (await c.get(`/records?session=${session}`)) as { records: RecordView[] };
      assert.equal(stored.records.length, 1, `${name}: the record is stored`);
    }
  });

  test('regression #13.3: 99 nested elements and a DOCTYPE with an external entity are answered 200; no entity is resolved', async () => {
    const nested = `<records session="deep"><record type="callLegStart" correlatorIndex="1"><callLeg id="d">${'<a>'.repeat(99)}${'</a>'.repeat(99)}</callLeg></record></records>`;
    const external =
      '<?xml version="1.0"?><!DOCTYPE records [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><records session="xxe"><record type="callLegStart" correlatorIndex="1">' +
      '<callLeg id="x"><remoteParty>&xxe;</remoteParty></callLeg></record></records>';
    await check(Buffer.from(nested), '/cdr', '99 nested elements');
    await check(Buffer.from(external), '/cdr', 'a DOCTYPE with an external entity');
    const stored = JSON.stringify(await c.get('/records?session=xxe'));
    assert.doesNotMatch(stored, /root:/, 'the external entity was not read');
    // A post the collector cannot read at all is not refused either (the sender would resend it forever).
    for (const body of ['<records session="x"><record', '<notRecords/>', '<records><record type="x" correlatorIndex="1"/></records>', '']) {
      await check(Buffer.from(body), '/cdr', shown(body));
    }
  });

  test('regression #13.9: a byte that is not UTF-8 is kept as sent', async () => {
    const body = Buffer.from(BASES['issue 13.9 Jos\\xe9'] ?? '', 'latin1');
    assert.ok(body.includes(Buffer.from([0x4a, 0x6f, 0x73, 0xe9])));
    await check(body, '/cdr', 'Jos\\xe9');
    const stored = (await c.get('/records?session=s9')) as { records: RecordView[] };
    assert.equal(stored.records.length, 1);
    const record = stored.records[0];
    assert.ok(record);
    const exact = record.rawBase64 === undefined || record.rawBase64 === null ? Buffer.from(record.xml, 'utf8') : Buffer.from(record.rawBase64, 'base64');
    assert.ok(exact.includes(Buffer.from([0x4a, 0x6f, 0x73, 0xe9])), `the record's bytes: ${exact.toString('latin1')}`);
  });

  test('the query API answers after the fuzzing, with the credentials it was given', async () => {
    const res = await http('GET', `${c.url}/api/v1/sessions`, { auth: COLLECTOR_API_USER });
    assert.equal(res.status, 200);
    assert.ok((JSON.parse(res.text) as { sessions: Array<{ session: string }> }).sessions.some((s) => s.session === GUIDE.session));
  });
});
