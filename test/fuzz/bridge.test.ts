/**
 * Fuzz: the bridge's CMS API (/api/v1). Random form bodies for every writable object (names from the
 * real parameter tables, case variants, odd names; values valid for the field or not: control
 * characters, NUL, U+FFFE, huge strings, percent-encoding junk), random query strings for every list,
 * random ids in paths, and simulated callers with odd display names (lone surrogates too: JSON is the
 * only way they reach the bridge, an HTTP body carries UTF-8).
 *
 * Each run asserts: the answer is not 5xx; every 4xx is a `<failureDetails>` document; every body is
 * a well-formed XML 1.0 document made only of XML characters (answers, listings, details, and the CDR
 * posts the bridge sends); a refused write leaves the API's view of the state as it was; the bridge
 * still answers GET /api/v1/system/status.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, beforeEach, test } from 'node:test';
import fc from 'fast-check';
import { accessMethodParams } from '../../src/bridge/domain/accessMethod.ts';
import { callParams } from '../../src/bridge/domain/call.ts';
import { callBridgeParams } from '../../src/bridge/domain/callBridge.ts';
import { allParticipantsParams, callLegParams, participantCreateParams, participantModifyParams } from '../../src/bridge/domain/callLeg.ts';
import { cdrReceiverParams } from '../../src/bridge/domain/cdrReceiver.ts';
import { coSpaceParams } from '../../src/bridge/domain/coSpace.ts';
import { bulkParameterSetParams } from '../../src/bridge/domain/coSpaceBulk.ts';
import { coSpaceUserParams } from '../../src/bridge/domain/coSpaceUser.ts';
import { CONFIG_KINDS, systemProfiles } from '../../src/bridge/domain/configKinds.ts';
import type { ParamDef } from '../../src/bridge/params.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { waitUntil } from '../support/cdrReceiver.ts';
import { forEachDialect } from '../support/databases.ts';
import {
  assertReached,
  assertUnchanged,
  encodeComponent,
  formParts,
  formText,
  fuzzStats,
  fuzzText,
  hugeText,
  ODD_VALUES,
  PERCENT_JUNK,
  runProperty,
  shown,
  trace,
} from '../support/fuzz.ts';
import { xmlProblem } from '../support/strictXml.ts';
import type { HttpAnswer } from '../support/http.ts';

const FILE = 'test/fuzz/bridge.test.ts';

/** Runs per property in CI (SWITCHBOARD_FUZZ_RUNS overrides). */
const RUNS = { configuration: 70, live: 35, receivers: 20, queries: 60, ids: 30, dialIns: 8 } as const;

const FAILURE_DETAILS = /^<\?xml version="1\.0"\?>\n<failureDetails>(<[A-Za-z]+(?: [A-Za-z]+="[^"<>]*")*\/>)+<\/failureDetails>$/;

/** A CDR receiver that keeps every post's bytes and answers 200. */
async function startCdrSink(): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
  const bodies: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cdr`,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface WriteTarget {
  readonly label: string;
  readonly method: 'POST' | 'PUT';
  readonly path: () => string;
  readonly params: readonly ParamDef[];
  /** GET paths (lists are read page by page) whose output is the state this write may change. */
  readonly state: () => readonly string[];
}

interface FormRequest {
  readonly target: WriteTarget;
  readonly body: string;
  readonly contentType: string | null | undefined;
}

const CONTENT_TYPES: ReadonlyArray<string | null | undefined> = [
  undefined,
  'text/plain',
  'application/json',
  'x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'multipart/form-data; boundary=x',
  null,
];

const LIST_QUERY_NAMES = [
  'offset', 'limit', 'filter', 'tenantFilter', 'callLegProfileFilter', 'usageFilter', 'coSpaceFilter', 'emailFilter', 'cdrTagFilter',
  'activeLayoutFilter', 'participantFilter', 'startIndex', 'callBridgeFilter',
];

forEachDialect('fuzz: bridge CMS API', (dialect) => {
  let b: TestBridge;
  let sink: Awaited<ReturnType<typeof startCdrSink>>;
  /** Ids of objects made at the start, by collection: PUT targets and valid references. */
  let ids: Record<string, string[]> = {};
  const one = (collection: string): string => ids[collection]?.[0] ?? 'missing';

  const api = (method: string, path: string, body?: string, contentType?: string | null): Promise<HttpAnswer> => {
    trace(`bridge ${method} ${path} ${body === undefined ? '' : shown(body)}`);
    return b.api(method, path, body, contentType);
  };
  const sim = (method: string, path: string, body?: unknown): ReturnType<TestBridge['sim']> => {
    trace(`sim ${method} ${path} ${JSON.stringify(body)}`);
    return b.sim(method, path, body);
  };

  /** An answer: < 500, failures as <failureDetails>, any body well-formed XML 1.0. */
  function checkAnswer(res: HttpAnswer, what: string): void {
    assert.ok(res.status < 500, `${what} → ${res.status} ${shown(res.text)}`);
    if (res.status >= 400) {
      assert.match(String(res.headers['content-type']), /^text\/xml/, `${what} → ${res.status} content-type ${String(res.headers['content-type'])}`);
      assert.match(res.text, FAILURE_DETAILS, `${what} → ${res.status} ${shown(res.text)}`);
    }
    if (res.text !== '') {
      const problem = xmlProblem(res.text);
      assert.equal(problem, undefined, `${what} → ${res.status}: body is not XML 1.0 (${problem ?? ''}): ${shown(res.text)}`);
    }
  }

  async function stillAnswers(what: string): Promise<void> {
    const res = await api('GET', '/system/status');
    assert.equal(res.status, 200, `GET /system/status after ${what} → ${res.status}`);
    checkAnswer(res, 'GET /system/status');
  }

  /** The API's view of `paths`: every page of a list, or a detail; each answer checked. */
  async function snapshot(paths: readonly string[]): Promise<string> {
    const out: string[] = [];
    for (const path of paths) {
      for (let offset = 0; offset < 5000; offset += 10) {
        const pagePath = isList(path) ? `${path}?offset=${offset}&limit=10` : path;
        const res = await api('GET', pagePath);
        checkAnswer(res, `GET ${pagePath}`);
        out.push(`${pagePath} ${res.status}\n${res.text}`);
        if (!isList(path) || !/ id="/.test(res.text)) break;
      }
    }
    return out.join('\n');
  }

  const LISTS = new Set<string>();
  const isList = (path: string): boolean => LISTS.has(path);

  /**
   * A test that writes gets a bridge of its own, so what one property leaves behind (a failure's
   * leftovers included) cannot fail another; the tests that only read share one. A writing test
   * calls `writes()` first.
   */
  let fresh = true;
  const writes = (): void => {
    fresh = true;
  };
  let open = false;
  async function closeWorld(): Promise<void> {
    if (!open) return;
    open = false;
    await b.close();
    await sink.close();
  }

  beforeEach(async () => {
    if (!fresh) return;
    fresh = false;
    await closeWorld();
    open = true;
    ids = {};
    LISTS.clear();
    b = await startTestBridge(dialect);
    sink = await startCdrSink();
    const make = async (collection: string, path: string, body: string): Promise<void> => {
      (ids[collection] ??= []).push(await b.create(path, body));
    };
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(sink.url)}`);
    await make('coSpaces', '/coSpaces', 'name=Fuzz%20Target&uri=fuzz.target&callId=4242001&passcode=1234&cdrTag=t');
    await make('coSpaces', '/coSpaces', 'name=Fuzz%20Dial%20In&uri=fuzz.dialin&callId=4242002');
    for (const kind of CONFIG_KINDS) {
      const required = (kind.required ?? []).map((name) => `${name}=${name === 'domain' ? `fuzz-${kind.collection.toLowerCase()}.example.com` : 'fuzz'}`);
      await make(kind.collection, `/${kind.collection}`, required.join('&'));
    }
    await b.create('/outboundDialPlanRules', 'domain=*&priority=-1');
    await make('cospaceBulkParameterSets', '/cospaceBulkParameterSets', 'startIndex=1&endIndex=3&coSpaceNameMapping=F_$index$');
    await make('accessMethods', `/coSpaces/${one('coSpaces')}/accessMethods`, 'uri=fuzz.access&callId=4242003');
    const bridges = await b.get('/callBridges');
    ids['callBridges'] = [String(bridges.callBridges.callBridge[0]['@id'])];
    await make('calls', '/calls', 'name=fuzz%20call');
    await make('callLegs', `/calls/${one('calls')}/callLegs`, 'remoteParty=leg%40example.com');
    await make('participants', `/calls/${one('calls')}/participants`, 'remoteParty=participant%40example.com');
    await make('cdrReceivers', '/system/cdrReceivers', 'uri=http%3A%2F%2F127.0.0.1%3A9%2Fcdr%3Ftoken%3Dsecret');
    ids['callCorrelators'] = ['5f3300c5-ca67-40e0-a503-91baec70dbbe'];
    for (const path of [
      '/coSpaces', '/callBridges', '/cospaceBulkParameterSets', '/calls', '/callLegs', '/participants', '/system/cdrReceivers', '/users',
      `/coSpaces/${one('coSpaces')}/accessMethods`, `/coSpaces/${one('coSpaces')}/coSpaceUsers`, ...CONFIG_KINDS.map((k) => `/${k.collection}`),
    ]) {
      LISTS.add(path);
    }
  });
  after(closeWorld);

  // -------------------------------------------------------------------------------------------------
  // Values

  /** A value for a parameter: valid for its field, a near miss, or junk. */
  function valueFor(def: ParamDef | undefined): fc.Arbitrary<string> {
    const junk = fc.oneof(
      { weight: 4, arbitrary: fuzzText() },
      { weight: 1, arbitrary: hugeText() },
      { weight: 1, arbitrary: fc.constantFrom(...PERCENT_JUNK) },
      { weight: 1, arbitrary: fc.constant('') },
    );
    if (!def) return junk;
    const f = def.field;
    let valid: fc.Arbitrary<string>;
    switch (f.type) {
      case 'string':
        valid = fc.oneof(
          fc.stringMatching(/^[a-z][a-z0-9.]{0,15}$/),
          // Characters a string field takes (no Cc) that XML or a terminal may not: U+FFFE/FFFF, bidi, separators.
          fc.string({ unit: fc.constantFrom('a', '\ufffe', '\uffff', '\u202e', '\u2028', '\u{1f389}', 'e\u0301', '<', '&', '"', ']]>', '\u00a0'), minLength: 1, maxLength: 8 }),
          fc.nat({ max: 99_999_999 }).map(String),
          fc.constantFrom('room.1', 'Room.1', 'a@b.com', 'http://127.0.0.1:9/x', 'F_$index$', 'r$index$', 'caf\u00e9', '\u4f1a\u8bae', 'x\u202ey'),
        );
        break;
      case 'boolean':
        valid = fc.constantFrom('true', 'false', '1', '0', 'on', 'off', 'TRUE', 'False');
        break;
      case 'integer':
        valid = fc.oneof(
          fc.integer({ min: f.min ?? -1_000_000, max: Math.min(f.max ?? 1_000_000, 1_000_000_000) }).map(String),
          fc.constantFrom(String(f.min ?? 0), String(f.max ?? 2147483647), String((f.max ?? 2147483647) + 1), String((f.min ?? 0) - 1), '1.5', '1e3', ' 1', '+1', '0x10'),
        );
        break;
      case 'enum':
        valid = fc.constantFrom(...f.values).chain((v) => fc.oneof(fc.constant(v), fc.mixedCase(fc.constant(v))));
        break;
      case 'id': {
        const known = ids[f.collection] ?? [];
        valid = fc.oneof(
          ...(known.length > 0 ? [fc.constantFrom(...known), fc.constantFrom(...known).map((id) => id.toUpperCase())] : []),
          fc.uuid().map(String),
          fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-an-id', 'x'.repeat(65)),
        );
        break;
      }
    }
    return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: junk });
  }

  function bodyFor(params: readonly ParamDef[]): fc.Arbitrary<string> {
    const byName = new Map<string, ParamDef>();
    for (const def of params) {
      byName.set(def.name, def);
      for (const alias of def.aliases ?? []) byName.set(alias, def);
    }
    const names = [...byName.keys()];
    if (names.length === 0) return fc.constantFrom('', 'name=x');
    // A form of known names with values of the right kind (valid or near misses), well encoded: most
    // of these are accepted, so what is stored is read back too.
    const clean = fc
      .subarray(params.map((def) => def.name), { minLength: 1, maxLength: Math.min(4, params.length) })
      .chain((chosen) => fc.tuple(...chosen.map((name) => fc.tuple(fc.constant(name), valueFor(byName.get(name))))))
      .map((pairs) => pairs.map(([name, value]) => `${name}=${encodeComponent(value)}`).join('&'));
    const messy = fc
      .tuple(
        formParts(names, (name) => valueFor(byName.get(name))),
        fc.boolean(),
        fc.option(fc.tuple(fc.constantFrom(...PERCENT_JUNK), fc.nat()), { freq: 8 }),
      )
      .map(([parts, doubled, junk]) => {
        const text = formText(parts, doubled);
        if (junk === null) return text;
        const at = junk[1] % (text.length + 1);
        return `${text.slice(0, at)}${junk[0]}${text.slice(at)}`;
      });
    return fc.oneof(clean, messy);
  }

  function request(targets: readonly WriteTarget[]): fc.Arbitrary<FormRequest> {
    // Counterexamples name a target by its label.
    const named = targets.map((target) => Object.assign(Object.create(null) as object, target, { [fc.toStringMethod]: () => target.label }) as WriteTarget);
    return fc.constantFrom(...named).chain((target) =>
      fc.record({
        target: fc.constant(target),
        body: bodyFor(target.params),
        contentType: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      }),
    );
  }

  /** One write: checked answer; a refused one must leave the state as it was; a created object reads back as XML 1.0. */
  async function write(req: FormRequest, stats: ReturnType<typeof fuzzStats>): Promise<void> {
    const path = req.target.path();
    const what = `${req.target.method} ${path} body=${shown(req.body)} content-type=${String(req.contentType)}`;
    const state = req.target.state();
    const before = await snapshot(state);
    const res = await api(req.target.method, path, req.body, req.contentType);
    stats.count(`${req.target.label} ${res.status}`);
    checkAnswer(res, what);
    if (res.status >= 400) {
      assertUnchanged(before, await snapshot(state), `a refused write changed the state: ${what} → ${res.status} ${shown(res.text)}`);
    } else {
      const location = res.headers['location'];
      if (typeof location === 'string') {
        const created = await api('GET', location.replace(/^\/api\/v1/, ''));
        checkAnswer(created, `GET ${location} (created by ${what})`);
      }
      await snapshot(state);
    }
    await stillAnswers(what);
  }

  const coSpaceState = (): string[] => ['/coSpaces', `/coSpaces/${one('coSpaces')}`, `/coSpaces/${one('coSpaces')}/accessMethods`];
  const liveState = (): string[] => ['/calls', `/calls/${one('calls')}`, '/callLegs', `/callLegs/${one('callLegs')}`, '/participants', `/participants/${one('participants')}`];

  function configurationTargets(): WriteTarget[] {
    const targets: WriteTarget[] = [
      { label: 'POST /coSpaces', method: 'POST', path: () => '/coSpaces', params: coSpaceParams, state: coSpaceState },
      { label: 'PUT /coSpaces/<id>', method: 'PUT', path: () => `/coSpaces/${one('coSpaces')}`, params: coSpaceParams, state: coSpaceState },
      { label: 'POST accessMethods', method: 'POST', path: () => `/coSpaces/${one('coSpaces')}/accessMethods`, params: accessMethodParams, state: coSpaceState },
      {
        label: 'PUT accessMethods/<id>',
        method: 'PUT',
        path: () => `/coSpaces/${one('coSpaces')}/accessMethods/${one('accessMethods')}`,
        params: accessMethodParams,
        state: () => [...coSpaceState(), `/coSpaces/${one('coSpaces')}/accessMethods/${one('accessMethods')}`],
      },
      {
        label: 'POST coSpaceUsers',
        method: 'POST',
        path: () => `/coSpaces/${one('coSpaces')}/coSpaceUsers`,
        params: coSpaceUserParams,
        state: () => [`/coSpaces/${one('coSpaces')}/coSpaceUsers`],
      },
      {
        label: 'POST /cospaceBulkParameterSets',
        method: 'POST',
        path: () => '/cospaceBulkParameterSets',
        params: bulkParameterSetParams,
        state: () => ['/cospaceBulkParameterSets'],
      },
      {
        label: 'PUT /cospaceBulkParameterSets/<id>',
        method: 'PUT',
        path: () => `/cospaceBulkParameterSets/${one('cospaceBulkParameterSets')}`,
        params: bulkParameterSetParams,
        state: () => ['/cospaceBulkParameterSets', `/cospaceBulkParameterSets/${one('cospaceBulkParameterSets')}`],
      },
      { label: 'POST /callBridges', method: 'POST', path: () => '/callBridges', params: callBridgeParams, state: () => ['/callBridges'] },
      { label: 'PUT /system/profiles', method: 'PUT', path: () => '/system/profiles', params: systemProfiles.params, state: () => ['/system/profiles'] },
    ];
    for (const kind of CONFIG_KINDS) {
      const state = (): string[] => [`/${kind.collection}`, `/${kind.collection}/${one(kind.collection)}`];
      targets.push(
        { label: `POST /${kind.collection}`, method: 'POST', path: () => `/${kind.collection}`, params: kind.params, state },
        { label: `PUT /${kind.collection}/<id>`, method: 'PUT', path: () => `/${kind.collection}/${one(kind.collection)}`, params: kind.params, state },
      );
    }
    return targets;
  }

  function liveTargets(): WriteTarget[] {
    return [
      { label: 'POST /calls', method: 'POST', path: () => '/calls', params: callParams, state: liveState },
      { label: 'PUT /calls/<id>', method: 'PUT', path: () => `/calls/${one('calls')}`, params: callParams, state: liveState },
      { label: 'POST /calls/<id>/callLegs', method: 'POST', path: () => `/calls/${one('calls')}/callLegs`, params: callLegParams, state: liveState },
      { label: 'PUT /callLegs/<id>', method: 'PUT', path: () => `/callLegs/${one('callLegs')}`, params: callLegParams, state: liveState },
      { label: 'POST /calls/<id>/participants', method: 'POST', path: () => `/calls/${one('calls')}/participants`, params: participantCreateParams, state: liveState },
      { label: 'PUT /participants/<id>', method: 'PUT', path: () => `/participants/${one('participants')}`, params: participantModifyParams, state: liveState },
      { label: 'PUT /calls/<id>/participants/*', method: 'PUT', path: () => `/calls/${one('calls')}/participants/*`, params: allParticipantsParams, state: liveState },
    ];
  }

  function receiverTargets(): WriteTarget[] {
    // The only valid URIs the values hold point at this machine (a closed port), so the bridge never
    // pushes CDRs anywhere else.
    const state = (): string[] => ['/system/cdrReceivers', `/system/cdrReceivers/${one('cdrReceivers')}`, '/system/cdrReceiver'];
    return [
      { label: 'POST /system/cdrReceivers', method: 'POST', path: () => '/system/cdrReceivers', params: cdrReceiverParams, state },
      { label: 'PUT /system/cdrReceivers/<id>', method: 'PUT', path: () => `/system/cdrReceivers/${one('cdrReceivers')}`, params: cdrReceiverParams, state },
      { label: 'PUT /system/cdrReceiver', method: 'PUT', path: () => '/system/cdrReceiver', params: cdrReceiverParams, state },
    ];
  }

  // -------------------------------------------------------------------------------------------------
  // Properties (the dial-in property runs first, before random profiles change how calls behave)

  test('simulated callers with odd display names: API XML and CDR XML stay XML 1.0', async (t) => {
    writes();
    const stats = fuzzStats();
    const text = fc.oneof({ weight: 4, arbitrary: fuzzText(40) }, { weight: 1, arbitrary: fc.constantFrom('caller\u0000name', 'a\ufffeb', 'x\u001by', 'lone\ud800', '\uffff') });
    await runProperty(
      `bridge [${dialect}] dial-ins`,
      fc.asyncProperty(fc.record({ displayName: text, remoteParty: fc.oneof(fc.constant('caller@example.com'), text) }), async (input) => {
        const what = `dial-in ${JSON.stringify(input)}`;
        const res = await sim('POST', '/dialIns', { uri: 'fuzz.dialin@127.0.0.1', ...input });
        stats.count(res.status);
        assert.ok(res.status < 500, `${what} → ${res.status} ${JSON.stringify(res.json)}`);
        if (res.status !== 200) return;
        const leg = String(res.json.callLeg);
        try {
          for (const path of [`/callLegs/${leg}`, `/participants/${String(res.json.participant)}`, `/participants/${String(res.json.participant)}/callLegs`, '/callLegs', '/participants']) {
            checkAnswer(await api('GET', path), `GET ${path} after ${what}`);
          }
        } finally {
          assert.equal((await sim('POST', `/callLegs/${leg}/hangUp`)).status, 200);
        }
        await waitUntil(() => sink.bodies.some((body) => body.includes(leg) && body.includes('callLegEnd')), `the CDRs of leg ${leg} delivered`);
        for (const body of sink.bodies.filter((x) => x.includes(leg))) {
          const problem = xmlProblem(body.toString('utf8'));
          assert.equal(problem, undefined, `a CDR post is not XML 1.0 (${problem ?? ''}) after ${what}: ${shown(body.toString('utf8'))}`);
        }
        await stillAnswers(what);
      }),
      { runs: RUNS.dialIns, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['200'], RUNS.dialIns);
  });

  test('POST and PUT with random forms on configuration objects', async (t) => {
    writes();
    const stats = fuzzStats();
    await runProperty(
      `bridge [${dialect}] configuration writes`,
      fc.asyncProperty(request(configurationTargets()), (req) => write(req, stats)),
      { runs: RUNS.configuration, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['200', '400'], RUNS.configuration, (key, status) => key.endsWith(` ${status}`));
  });

  test('POST and PUT with random forms on calls, call legs and participants', async (t) => {
    writes();
    const stats = fuzzStats();
    await runProperty(`bridge [${dialect}] live writes`, fc.asyncProperty(request(liveTargets()), (req) => write(req, stats)), { runs: RUNS.live, file: FILE, test: t.name });
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['200', '400'], RUNS.live, (key, status) => key.endsWith(` ${status}`));
  });

  test('POST and PUT with random forms on CDR receivers', async (t) => {
    writes();
    const stats = fuzzStats();
    await runProperty(`bridge [${dialect}] CDR receiver writes`, fc.asyncProperty(request(receiverTargets()), (req) => write(req, stats)), {
      runs: RUNS.receivers,
      file: FILE,
      test: t.name,
    });
    t.diagnostic(JSON.stringify(stats.outcomes));
  });

  test('GET lists with random query strings', async (t) => {
    const stats = fuzzStats();
    // Paths are case-insensitive (`/COSPACES`), as on CMS.
    const list = fc.constantFrom(...[...LISTS].sort()).chain((path) => fc.oneof({ weight: 4, arbitrary: fc.constant(path) }, { weight: 1, arbitrary: fc.mixedCase(fc.constant(path)) }));
    const query = fc.tuple(list, formParts(LIST_QUERY_NAMES, () => valueFor(undefined)), fc.boolean()).map(
      ([list, parts, doubled]) => `${list}?${formText(parts, doubled).replace(/#/g, '%23')}`,
    );
    await runProperty(
      `bridge [${dialect}] list queries`,
      fc.asyncProperty(query, async (path) => {
        const res = await api('GET', path);
        stats.count(res.status);
        checkAnswer(res, `GET ${shown(path, 3000)}`);
      }),
      { runs: RUNS.queries, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['200', '400'], RUNS.queries);
    await stillAnswers('random list queries');
  });

  test('GET, PUT and DELETE with random ids in the path', async (t) => {
    const collections = ['coSpaces', 'calls', 'callLegs', 'participants', 'users', 'callBridges', 'system/cdrReceivers', 'callProfiles', 'cospaceBulkSyncs'];
    const id = fc.oneof(fuzzText(40), fc.uuid().map(String), fc.constantFrom(...ODD_VALUES, '..', '%2e%2e', '%2F', '*')).map((text) => encodeComponent(text.slice(0, 300)).replace(/%25/g, '%'));
    await runProperty(
      `bridge [${dialect}] random ids`,
      fc.asyncProperty(fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), fc.constantFrom(...collections), id), async ([method, collection, raw]) => {
        const path = `/${collection}/${raw.replace(/[#?]/g, encodeComponent)}`;
        const state = await snapshot([`/${collection}`].filter(isList));
        const res = await api(method, path, method === 'PUT' ? 'name=x' : undefined);
        checkAnswer(res, `${method} ${shown(path)}`);
        if (res.status >= 400) assertUnchanged(state, await snapshot([`/${collection}`].filter(isList)), `refused ${method} ${shown(path)} changed the state`);
      }),
      { runs: RUNS.ids, file: FILE, test: t.name },
    );
    await stillAnswers('random ids');
  });

  // -------------------------------------------------------------------------------------------------
  // Regressions: findings the fuzzing (or issue #13) found, as fixed cases

  test('regressions: NUL in a filter or id, an over-long path segment, an over-long URL, NUL in a form value', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/coSpaces?filter=a%00b', 400, /<parameterError parameter="filter" error="invalidValue"\/>/],
      ['/coSpaces?tenantFilter=%00', 400, /<parameterError parameter="tenantFilter" error="invalidValue"\/>/],
      ['/coSpaces/%00', 404, /<unrecognisedObject\/>/],
      [`/coSpaces/${'x'.repeat(300)}`, 404, /<unrecognisedObject\/>/],
      [`/coSpaces?filter=${'9'.repeat(20_000)}`, 431, /<parameterError parameter="request" error="valueTooLong"\/>/],
    ];
    for (const [path, status, body] of cases) {
      const res = await api('GET', path);
      assert.equal(res.status, status, path.slice(0, 80));
      assert.match(res.text, FAILURE_DETAILS, path.slice(0, 80));
      assert.match(res.text, body, path.slice(0, 80));
    }
    const before = await snapshot(coSpaceState());
    const put = await api('PUT', `/coSpaces/${one('coSpaces')}`, 'name=a%00b');
    assert.equal(put.status, 400);
    assertUnchanged(before, await snapshot(coSpaceState()), 'a refused PUT changed the state');
  });

  test('regression #13.1: a NUL in a caller\'s display name never reaches API XML or CDR XML', async () => {
    const res = await sim('POST', '/dialIns', { uri: 'fuzz.dialin@127.0.0.1', remoteParty: 'nul@example.com', displayName: 'caller\u0000name' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const leg = String(res.json.callLeg);
    try {
      for (const path of [`/callLegs/${leg}`, `/participants/${String(res.json.participant)}`, '/participants']) {
        const answer = await api('GET', path);
        assert.equal(answer.status, 200);
        assert.equal(xmlProblem(answer.text), undefined, `GET ${path}: ${shown(answer.text)}`);
      }
    } finally {
      assert.equal((await sim('POST', `/callLegs/${leg}/hangUp`)).status, 200);
    }
    await waitUntil(() => sink.bodies.some((body) => body.includes(leg) && body.includes('callLegEnd')), `the CDRs of leg ${leg} delivered`);
    for (const body of sink.bodies.filter((x) => x.includes(leg))) {
      assert.equal(body.includes(0), false, 'no NUL byte in a CDR post');
      assert.equal(xmlProblem(body.toString('utf8')), undefined, shown(body.toString('utf8')));
    }
  });

  test('regression #13 (text the wire formats cannot carry): U+FFFE and U+FFFF in a stored name never reach API XML', async () => {
    for (const value of ['%EF%BF%BE', '%EF%BF%BF']) {
      const put = await api('PUT', `/coSpaces/${one('coSpaces')}`, `name=a${value}b`);
      assert.ok(put.status < 500);
      for (const path of [`/coSpaces/${one('coSpaces')}`, '/coSpaces']) {
        const res = await api('GET', path);
        assert.equal(xmlProblem(res.text), undefined, `GET ${path} after name=a${value}b: ${shown(res.text)}`);
      }
    }
  });
});
