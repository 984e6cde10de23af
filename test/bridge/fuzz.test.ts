/**
 * Randomised requests (bounded, fixed seeds: a failure names its seed and request, and re-running
 * gives the same sequence) against coSpace writes and list reads. Whatever arrives, the bridge must
 * never answer 5xx, every 4xx must be a `<failureDetails>` document, and a refused write must leave
 * the stored state byte-for-byte as it was (compared through the API's own GET output).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { SeededRandom } from '../support/random.ts';

const SEED = Number(process.env['SWITCHBOARD_FUZZ_SEED'] ?? 20260105);
const ROUNDS = Number(process.env['SWITCHBOARD_FUZZ_ROUNDS'] ?? 120);

const COSPACE_NAMES = [
  'name', 'uri', 'secondaryUri', 'callId', 'cdrTag', 'passcode', 'defaultLayout', 'tenant', 'callLegProfile', 'callProfile',
  'callBrandingProfile', 'dialInSecurityProfile', 'requireCallId', 'secret', 'regenerateSecret', 'nonMemberAccess', 'ownerJid',
  'streamUrl', 'ownerAdGuid', 'meetingScheduler', 'panePlacementHighestImportance', 'panePlacementSelfPaneMode',
];
const BULK_NAMES = [
  'startIndex', 'endIndex', 'coSpaceUriMapping', 'coSpaceNameMapping', 'coSpaceCallIdMapping', 'tenant', 'callProfile', 'callLegProfile',
  'callBrandingProfile', 'nonMemberAccess',
];
const LIST_NAMES = ['offset', 'limit', 'filter', 'tenantFilter', 'callLegProfileFilter', 'usageFilter', 'startIndex'];
const ODD_NAMES = ['', ' ', 'bogus', 'näme', '名前', 'na me', 'name[]', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(300), '%', '%zz', '%00name', '1abc', 'a.b', '😀'];

const VALUE_POOL = [
  '', ' ', '0', '1', '-1', '007', '99999999999999999999', '1e3', '1.5', 'NaN', 'true', 'FALSE', 'on', 'off', 'yes', 'null', 'undefined',
  'allEqual', 'ALLEQUAL', 'speakerOnly', 'skip', 'a@b.com', 'room.1', 'Room.1', '$index$', 'r$index$', '\\$', '\\', '00000000-0000-0000-0000-000000000000',
  'ünïcödé', '会议室', 'مرحبا', '🎉🎉', 'e\u0301', '\u202Eevil', '\u0000', '\u0007', '\t', '\n', '\r\n', '\uFEFF', '\uD800', '\uDFFF',
  '<x>&amp;"\'', ']]>', '%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '+', '++', '=', '==', '&', ';', '#', '?', '/', '..', '*', '_',
];

function caseVariant(rng: SeededRandom, name: string): string {
  switch (rng.int(4)) {
    case 0:
      return name;
    case 1:
      return name.toLowerCase();
    case 2:
      return name.toUpperCase();
    default:
      return Array.from(name).map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  }
}

function randomText(rng: SeededRandom, maxLength: number): string {
  const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789', 'ABC.-_~@ ', 'éßøπжñ中文한국어', '😀🎉👍', '%&=+#?/\\$<>"\'', '\u0000\u0001\u001f\u007f\u0085'];
  const alphabet = Array.from(rng.pick(alphabets)); // code points
  const length = rng.int(maxLength + 1);
  let out = '';
  for (let i = 0; i < length; i++) out += rng.pick(alphabet);
  return out;
}

function randomValue(rng: SeededRandom): string {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(VALUE_POOL);
    case 1:
      return randomText(rng, 40);
    case 2:
      return String(rng.int(2_000_000_000) - 1000);
    case 3:
      // Huge: past every field limit, sometimes past the body limit.
      return rng.pick(['a', '9', 'é', '%']).repeat(rng.pick([255, 257, 1025, 5000, 70_000, 300_000]));
    default:
      return randomText(rng, 8);
  }
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out raw. */
function encodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

function encode(rng: SeededRandom, text: string): string {
  switch (rng.int(3)) {
    case 0:
      return text; // raw: '%', '+', '&', '=' and unicode go out as they are
    case 1:
      return encodeComponent(text);
    default:
      return encodeComponent(text).replace(/%20/g, '+');
  }
}

/** A random form body or query string from `names` (case variants, repeats, odd names, `=`-less parts). */
function randomForm(rng: SeededRandom, names: readonly string[]): string {
  const parts: string[] = [];
  const count = rng.int(7);
  for (let i = 0; i < count; i++) {
    const name = rng.chance(0.8) ? caseVariant(rng, rng.pick(names)) : rng.pick(ODD_NAMES);
    const value = randomValue(rng);
    switch (rng.int(10)) {
      case 0:
        parts.push(encode(rng, name)); // no '='
        break;
      case 1:
        parts.push(`=${encode(rng, value)}`); // empty name
        break;
      case 2:
        parts.push(`${encode(rng, name)}=${encode(rng, value)}`, `${encode(rng, caseVariant(rng, name))}=${encode(rng, randomValue(rng))}`); // repeated key
        break;
      case 3:
        parts.push(`${encode(rng, name)}==${encode(rng, value)}`);
        break;
      default:
        parts.push(`${encode(rng, name)}=${encode(rng, value)}`);
    }
  }
  return parts.join(rng.chance(0.1) ? '&&' : '&');
}

const FAILURE_DETAILS = /^<\?xml version="1\.0"\?>\n<failureDetails>(<[A-Za-z]+(?: [A-Za-z]+="[^"<>]*")*\/>)+<\/failureDetails>$/;

function checkAnswer(res: { status: number; text: string; headers: Record<string, unknown> }, what: string): void {
  assert.ok(res.status < 500, `${what} → ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    assert.match(String(res.headers['content-type']), /^text\/xml/, `${what} → ${res.status} ${res.text.slice(0, 300)}`);
    assert.match(res.text, FAILURE_DETAILS, `${what} → ${res.text.slice(0, 300)}`);
  }
}

function describeRequest(seed: number, round: number, method: string, path: string, body?: string): string {
  const shown = body === undefined ? '' : ` body=${JSON.stringify(body.length > 200 ? `${body.slice(0, 200)}…(${body.length})` : body)}`;
  return `[seed ${seed} round ${round}] ${method} ${path.length > 3000 ? `${path.slice(0, 3000)}…` : path}${shown}`;
}

forEachDialect('fuzz: random forms and queries', (dialect) => {
  let b: TestBridge;
  let target = '';
  let bulkTarget = '';

  before(async () => {
    b = await startTestBridge(dialect);
    target = await b.create('/coSpaces', 'name=Fuzz%20Target&uri=fuzz.target&callId=4242001&passcode=1234&cdrTag=t');
    bulkTarget = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=3&coSpaceNameMapping=F_$index$');
  });
  after(async () => {
    await b.close();
  });

  /** The stored state as the API shows it: every coSpace list page plus the detail of `detailPath`. */
  async function snapshot(listPath: string, detailPath: string): Promise<string> {
    const pages: string[] = [(await b.api('GET', detailPath)).text];
    for (let offset = 0; ; offset += 20) {
      const res = await b.api('GET', `${listPath}?offset=${offset}`);
      assert.equal(res.status, 200);
      pages.push(res.text);
      if (!/ id="/.test(res.text)) break;
    }
    return pages.join('\n');
  }

  async function fuzzWrites(seed: number, method: 'POST' | 'PUT', listPath: string, detailPath: string, names: readonly string[]): Promise<Record<string, number>> {
    const rng = new SeededRandom(seed);
    const outcomes: Record<string, number> = {};
    let before1 = await snapshot(listPath, detailPath);
    for (let round = 0; round < ROUNDS; round++) {
      const body = randomForm(rng, names);
      const path = method === 'POST' ? listPath : detailPath;
      const what = describeRequest(seed, round, method, path, body);
      const res = await b.api(method, path, body, rng.chance(0.2) ? rng.pick(['text/plain', 'application/json', 'x-www-form-urlencoded', null]) : undefined);
      checkAnswer(res, what);
      outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
      const after1 = await snapshot(listPath, detailPath);
      if (res.status !== 200) assert.equal(after1, before1, `refused write changed stored state: ${what}`);
      before1 = after1;
    }
    return outcomes;
  }

  test('POST /coSpaces with random bodies', async () => {
    const outcomes = await fuzzWrites(SEED, 'POST', '/coSpaces', `/coSpaces/${target}`, COSPACE_NAMES);
    // The generator must reach both sides, or the test proves little.
    assert.ok((outcomes['200'] ?? 0) > 0 && (outcomes['400'] ?? 0) > 0, JSON.stringify(outcomes));
  });

  test('PUT /coSpaces/<id> with random bodies', async () => {
    const outcomes = await fuzzWrites(SEED + 1, 'PUT', '/coSpaces', `/coSpaces/${target}`, COSPACE_NAMES);
    assert.ok((outcomes['200'] ?? 0) > 0 && (outcomes['400'] ?? 0) > 0, JSON.stringify(outcomes));
  });

  test('POST and PUT /cospaceBulkParameterSets with random bodies', async () => {
    const posted = await fuzzWrites(SEED + 2, 'POST', '/cospaceBulkParameterSets', `/cospaceBulkParameterSets/${bulkTarget}`, BULK_NAMES);
    const put = await fuzzWrites(SEED + 3, 'PUT', '/cospaceBulkParameterSets', `/cospaceBulkParameterSets/${bulkTarget}`, BULK_NAMES);
    assert.ok((posted['400'] ?? 0) > 0 && (put['400'] ?? 0) > 0, JSON.stringify({ posted, put }));
  });

  test('regressions the fuzzing found: NUL in a filter or id, an over-long path segment, an over-long URL', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/coSpaces?filter=a%00b', 400, /<parameterError parameter="filter" error="invalidValue"\/>/],
      ['/coSpaces?tenantFilter=%00', 400, /<parameterError parameter="tenantFilter" error="invalidValue"\/>/],
      ['/coSpaces/%00', 404, /<unrecognisedObject\/>/],
      [`/coSpaces/${'x'.repeat(300)}`, 404, /<unrecognisedObject\/>/],
      [`/coSpaces?filter=${'9'.repeat(20_000)}`, 431, /<parameterError parameter="request" error="valueTooLong"\/>/],
    ];
    for (const [path, status, body] of cases) {
      const res = await b.api('GET', path);
      assert.equal(res.status, status, path.slice(0, 80));
      assert.match(res.text, FAILURE_DETAILS, path.slice(0, 80));
      assert.match(res.text, body, path.slice(0, 80));
    }
    const put = await b.api('PUT', `/coSpaces/${target}`, 'name=a%00b');
    assert.equal(put.status, 400);
  });

  test('GET lists with random query strings, and random ids in the path', async () => {
    const rng = new SeededRandom(SEED + 4);
    const lists = ['/coSpaces', '/cospaceBulkParameterSets', '/cospaceBulkSyncs', '/callBridges', '/COSPACES'];
    let ok = 0;
    for (let round = 0; round < ROUNDS * 2; round++) {
      const path = rng.chance(0.8)
        ? `${rng.pick(lists)}?${randomForm(rng, LIST_NAMES).replace(/#/g, '%23')}`
        : `${rng.pick(lists)}/${encode(rng, randomValue(rng).slice(0, 300)).replace(/[#?/]/g, (c) => encodeComponent(c))}`;
      const res = await b.api('GET', path);
      checkAnswer(res, describeRequest(SEED + 4, round, 'GET', path));
      if (res.status === 200) ok++;
    }
    assert.ok(ok > 0);
  });
});
