/**
 * Fuzz: the scheduler's JSON API (/api/v1). Valid bookings and bridge settings, mutated: wrong types,
 * missing and extra members, huge numbers, odd time zones, RRULEs (impossible, sub-daily, huge COUNT,
 * UNTIL in 9999), impossible dates, end before start, offsets; plus bodies that are not JSON at all.
 *
 * Each run asserts: no 5xx (except 502 naming the managed bridge's own failure, `bridgeUnreachable` /
 * `bridgeRefused` / `provisioningFailed`, the API's documented answer when the bridge it must talk to
 * fails); every error is the scheduler's `{ error: { code, message, details? } }`; a refused request
 * leaves the bookings and bridges as the API shows them; a created booking reads back, with an
 * iCalendar text free of injected lines; the scheduler still answers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/shared/clock.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { assertReached, assertUnchanged, fuzzStats, fuzzText, hugeText, runProperty, shown, trace } from '../support/fuzz.ts';
import { http } from '../support/http.ts';
import { unfold } from '../support/ical.ts';
import { driveClock, SCHEDULER_USER, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge } from '../support/scheduler.ts';

const FILE = 'test/fuzz/scheduler.test.ts';
const RUNS = { create: 40, patch: 25, occurrences: 20, bridges: 15 } as const;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** An error code of the catalogue (errors.ts): a name, never the 500's `internal`. */
const isErrorCode = (code: unknown): code is string => typeof code === 'string' && /^[a-z][A-Za-z]*$/.test(code) && code !== 'internal';
/** 502 answers that report the managed bridge's failure (documented), not the scheduler's. */
const UPSTREAM_CODES = new Set(['bridgeUnreachable', 'bridgeRefused', 'provisioningFailed']);

// -----------------------------------------------------------------------------------------------------
// JSON values

const DELETE = Symbol('delete');
/** A member's new value, or DELETE to remove it. */
type Change = readonly [name: string, value: unknown];

/** A JSON value of the wrong kind for almost any member. */
function jsonJunk(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 4294967296, '', [], {}, [null], { '': '' }) },
    { weight: 3, arbitrary: fuzzText() },
    { weight: 1, arbitrary: hugeText() },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/**
 * The object `base` with up to three members changed: replaced by `alternatives[name]` (values of the
 * right kind, valid or not) or junk, or removed; sometimes a member added. Unchanged often enough that
 * valid requests get through too.
 */
function mutated(base: Readonly<Record<string, unknown>>, alternatives: Readonly<Record<string, fc.Arbitrary<unknown>>>): fc.Arbitrary<unknown> {
  const names = [...new Set([...Object.keys(base), ...Object.keys(alternatives)])].sort();
  const change = (name: string): fc.Arbitrary<Change> =>
    fc.tuple(
      fc.constant(name),
      fc.oneof(
        { weight: 4, arbitrary: alternatives[name] ?? jsonJunk() },
        { weight: 1, arbitrary: jsonJunk() },
        { weight: 1, arbitrary: fc.constant(DELETE) },
      ),
    );
  const changes = fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as string[]) },
    { weight: 2, arbitrary: fc.subarray(names, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.subarray(names, { maxLength: Math.min(3, names.length) }) },
  );
  const extraName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'id', 'sequence', 'cancelled', 'occurrences', 'bogus', 'TITLE', ''), fuzzText(12));
  return fc
    .tuple(
      changes.chain((chosen): fc.Arbitrary<readonly Change[]> => (chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map(change)))),
      fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(extraName, jsonJunk()), { minLength: 1, maxLength: 2 }) }),
    )
    .map(([applied, extras]) => {
      const changed = new Map(applied);
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(base)) if (!changed.has(name)) out[name] = value;
      for (const [name, value] of changed) if (value !== DELETE) out[name] = value;
      for (const [name, value] of extras) Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

const ZONES = [
  'UTC', 'Europe/London', 'Europe/Oslo', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Kiritimati',
  'America/St_Johns', 'Etc/GMT+12', 'Etc/GMT-14', 'utc', 'EUROPE/LONDON', 'Europe/London ', 'Mars/Olympus', '', '+05:00', 'GMT+5', 'Z',
  'US/Pacific-New', '../../../etc/passwd', 'Europe/London\u0000', 'Africa/Casablanca', 'Antarctica/Troll',
];

const DATES = [
  '2026-02-30T10:00', '2026-13-01T00:00', '2026-00-10T10:00', '9999-12-31T23:59', '0000-01-01T00:00', '1899-12-31T23:00', '2026-03-29T01:30',
  '2026-10-25T01:30', '2026-01-06T10:00Z', '2026-01-06T10:00+01:00', '2026-01-06 10:00', '2026-01-06T24:00', '2026-01-06T10:00:60',
  '2026-01-06T10:00:00.000', '+002026-01-06T10:00', '2026-01-06', '10:00', '2026-1-6T10:00', '２０２６-01-06T10:00', '2025-12-31T23:59',
];

const RULES = [
  'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'FREQ=MONTHLY;BYMONTHDAY=31', 'FREQ=SECONDLY', 'FREQ=MINUTELY;COUNT=5',
  'FREQ=HOURLY;COUNT=3', 'FREQ=DAILY;COUNT=4294967296', 'FREQ=DAILY;COUNT=0', 'FREQ=DAILY;COUNT=-1', 'FREQ=DAILY;UNTIL=99991231T235959Z',
  'FREQ=DAILY;UNTIL=20000101T000000Z', 'FREQ=DAILY;COUNT=3;UNTIL=20260110T000000Z', 'FREQ=DAILY;INTERVAL=0', 'FREQ=DAILY;INTERVAL=1000',
  'FREQ=WEEKLY;BYDAY=MO,TU;COUNT=3', 'FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR', 'FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO', 'FREQ=YEARLY;BYYEARDAY=366',
  'FREQ=DAILY;BYHOUR=25', 'FREQ=DAILY;BYDAY=XX', 'RRULE:FREQ=DAILY;COUNT=2', 'FREQ=DAILY;;COUNT=2', 'FREQ=', ';;;', 'FREQ=DAILY;COUNT=2\r\nATTENDEE:x',
  'FREQ=WEEKLY;WKST=XX', 'FREQ=DAILY;BYMONTH=13', 'FREQ=DAILY;COUNT=5000', 'FREQ=DAILY;COUNT=5001', 'freq=daily;count=2', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-30',
];

/** An RRULE built from parts, impossible combinations included. */
function ruleText(): fc.Arbitrary<string> {
  const part = fc.oneof(
    fc.integer({ min: -2, max: 6000 }).map((n) => `COUNT=${n}`),
    fc.integer({ min: -1, max: 1200 }).map((n) => `INTERVAL=${n}`),
    fc.integer({ min: -1, max: 14 }).map((n) => `BYMONTH=${n}`),
    fc.integer({ min: -32, max: 32 }).map((n) => `BYMONTHDAY=${n}`),
    fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU', '1MO', '-1FR', '53SU']).map((d) => `BYDAY=${d.join(',')}`),
    fc.integer({ min: -367, max: 367 }).map((n) => `BYYEARDAY=${n}`),
    fc.integer({ min: -54, max: 54 }).map((n) => `BYWEEKNO=${n}`),
    fc.integer({ min: -367, max: 367 }).map((n) => `BYSETPOS=${n}`),
    fc.constantFrom('UNTIL=20260201T000000Z', 'UNTIL=99991231T235959Z', 'UNTIL=20260106', 'UNTIL=2026-02-01', 'UNTIL=19700101T000000Z', 'WKST=SU', 'BYHOUR=10'),
  );
  return fc
    .tuple(fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'HOURLY', 'SECONDLY', 'daily', 'NEVER'), fc.array(part, { maxLength: 4 }))
    .map(([freq, parts]) => [`FREQ=${freq}`, ...parts].join(';'));
}

/** A local start on or after T0's day, and an end some minutes later (or earlier). */
const startAndEnd = fc
  .tuple(fc.integer({ min: 0, max: 90 * 24 * 4 }), fc.constantFrom(15, 30, 60, 1, 0, -30, 24 * 60, 24 * 60 + 1, 60 * 24 * 400))
  .map(([quarter, minutes]) => {
    const start = Date.UTC(2026, 0, 6, 0, 0, 0) + quarter * 15 * 60_000;
    const local = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
    return { start: local(start), end: local(start + minutes * 60_000) };
  });

const participant = mutated(
  { uri: 'room1@video.example.com', mode: 'dialOut' },
  {
    uri: fc.oneof(fuzzText(), fc.constantFrom('alice@example.com', 'sip:bob@example.com', 'a b@example.com', '<x>', 'x'.repeat(255))),
    mode: fc.constantFrom('dialOut', 'dialIn', 'DIALOUT', ''),
    name: fc.oneof(fuzzText(), hugeText()),
    email: fc.constantFrom('a@example.com', 'not-an-email', 'a@example.com\r\nBcc: x@example.com'),
  },
);

function bookingBody(bridgeId: string): fc.Arbitrary<unknown> {
  return startAndEnd.chain(({ start, end }) =>
    mutated(
      { title: 'Fuzz meeting', organizer: 'chair@example.com', start, end, timeZone: 'Europe/London', participants: [], type: 'automatic' },
      {
        title: fc.oneof(fuzzText(), hugeText(), fc.constantFrom('Board\r\nATTENDEE:mailto:x@evil.example', ' ', 'x'.repeat(201))),
        organizer: fc.oneof(fc.constantFrom('a@b', 'x', 'chair@example.com\r\nBcc: x@example.com', '"a b"@example.com', '\u0447@example.com'), fuzzText()),
        start: fc.oneof(fc.constantFrom(...DATES), startAndEnd.map((s) => s.start)),
        end: fc.oneof(fc.constantFrom(...DATES), startAndEnd.map((s) => s.end)),
        timeZone: fc.oneof(fc.constantFrom(...ZONES), fuzzText()),
        recurrence: fc.oneof(fc.constantFrom(...RULES), ruleText(), fuzzText()),
        pin: fc.oneof(fc.constantFrom('1234', '', '0'.repeat(21), 'abcd', '\uff11\uff12\uff13', '12 34'), fc.nat().map((n) => n)),
        participants: fc.oneof(fc.array(participant, { maxLength: 4 }), fc.constant(Array.from({ length: 501 }, (_, i) => ({ uri: `p${i}@example.com`, mode: 'dialOut' })))),
        type: fc.constantFrom('automatic', 'reservation', 'AUTOMATIC', ''),
        bridge: fc.oneof(fc.constant(bridgeId), fc.uuid().map(String), fc.constantFrom('', ' ', 'x'.repeat(201))),
        overrides: fc.array(
          mutated({ occurrence: 1 }, { occurrence: fc.integer({ min: -1, max: 6000 }), start: fc.constantFrom(...DATES), end: fc.constantFrom(...DATES), title: fuzzText(), cancelled: fc.boolean(), pin: fc.constantFrom(null, '99', 'x') }),
          { maxLength: 3 },
        ),
      },
    ),
  );
}

/** A request body: mostly a mutated object, sometimes another JSON value, sometimes not JSON at all. */
function body(object: fc.Arbitrary<unknown>): fc.Arbitrary<{ json: unknown } | { raw: string; contentType: string }> {
  return fc.oneof(
    { weight: 12, arbitrary: object.map((json) => ({ json })) },
    { weight: 1, arbitrary: jsonJunk().map((json) => ({ json })) },
    {
      weight: 1,
      arbitrary: fc.record({
        raw: fc.oneof(
          fc.constantFrom('{', '{"title":', '{"a":1}{', '\u0000', '', 'null', '[]'.repeat(3), `${'['.repeat(5000)}${']'.repeat(5000)}`, '{"__proto__":{"x":1}}'),
          fuzzText(),
        ),
        contentType: fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded'),
      }),
    },
  );
}

forEachDialect('fuzz: scheduler JSON API', (dialect) => {
  let clock: FakeClock;
  let bridgeDb: TestDatabase;
  let bridge: TracedBridge;
  let s: TestScheduler;
  let bridgeId = '';
  let bookingId = '';

  async function send(method: string, path: string, payload?: { json: unknown } | { raw: string; contentType: string }): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
    trace(`scheduler ${method} ${path} ${payload === undefined ? '' : 'raw' in payload ? shown(payload.raw) : shown(JSON.stringify(payload.json))}`);
    const res = await http(method, `${s.scheduler.url}/api/v1${path}`, {
      auth: SCHEDULER_USER,
      ...(payload === undefined ? {} : 'raw' in payload ? { body: payload.raw, contentType: payload.contentType } : { body: JSON.stringify(payload.json), contentType: 'application/json' }),
    });
    return res;
  }

  /** < 500 (but documented upstream 502s), errors in the catalogue's JSON shape. Returns the parsed body. */
  function checkAnswer(res: { status: number; text: string; headers: Record<string, unknown> }, what: string): unknown {
    let json: unknown;
    if (res.text !== '' && /json/.test(String(res.headers['content-type']))) {
      try {
        json = JSON.parse(res.text);
      } catch {
        assert.fail(`${what} → ${res.status}: a JSON answer that does not parse: ${shown(res.text)}`);
      }
    }
    if (res.status >= 400) {
      const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      assert.ok(error !== undefined && isErrorCode(error.code) && typeof error.message === 'string', `${what} → ${res.status}: not the scheduler's error format: ${shown(res.text)}`);
      assert.ok(res.status < 500 || (res.status === 502 && UPSTREAM_CODES.has(error.code)), `${what} → ${res.status} ${shown(res.text)}`);
    }
    return json;
  }

  async function stillAnswers(what: string): Promise<void> {
    const open = await http('GET', `${s.scheduler.url}/api/v1/openapi.json`);
    assert.equal(open.status, 200, `GET /openapi.json after ${what}`);
  }

  async function snapshot(paths: readonly string[]): Promise<string> {
    const out: string[] = [];
    for (const path of paths) {
      const res = await send('GET', path);
      checkAnswer(res, `GET ${path}`);
      out.push(`${path} ${res.status} ${res.text}`);
    }
    return out.join('\n');
  }

  /**
   * A real bridge, managed, with 3 spaces; and a weekly series to change. Shared by the tests of a
   * dialect; the bridges test, which may leave the managed bridge misconfigured, runs last.
   */
  before(async () => {
    clock = new FakeClock(T0);
    bridgeDb = await freshDatabase(dialect, 'bridge');
    bridge = await startTracedBridge(bridgeDb, clock, 'CallBridge-Fuzz');
    s = await startTestScheduler(dialect, clock);
    const added = await s.api('POST', '/bridges', { address: bridge.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    bridgeId = String(added.json.id);
    const configured = await driveClock(clock, s.api('PATCH', `/bridges/${bridgeId}`, { name: 'Fuzz', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 3 } }));
    assert.equal(configured.status, 200, configured.text);
    const booked = await s.api('POST', '/bookings', {
      title: 'Weekly',
      organizer: 'chair@example.com',
      start: '2026-01-07T10:00',
      end: '2026-01-07T11:00',
      timeZone: 'Europe/Oslo',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
      pin: '2468',
      participants: [{ uri: 'room@video.example.com', mode: 'dialOut' }],
    });
    assert.equal(booked.status, 201, booked.text);
    bookingId = String(booked.json.id);
  });
  after(async () => {
    await s.close();
    await bridge.close();
    await bridgeDb.dispose();
  });

  /** Sends one request; a refused one must leave `state` as it was. Returns the status and parsed body. */
  async function request(method: string, path: string, payload: { json: unknown } | { raw: string; contentType: string } | undefined, state: readonly string[]): Promise<{ status: number; json: unknown }> {
    const what = `${method} ${path} ${payload === undefined ? '' : 'raw' in payload ? `raw ${payload.contentType} ${shown(payload.raw)}` : shown(JSON.stringify(payload.json), 2000)}`;
    const before = await snapshot(state);
    const res = await send(method, path, payload);
    const json = checkAnswer(res, what);
    if (res.status >= 400) assertUnchanged(before, await snapshot(state), `a refused request changed the state: ${what} → ${res.status} ${shown(res.text)}`);
    await stillAnswers(what);
    return { status: res.status, json };
  }

  /** A created or changed booking reads back, and its iCalendar carries no line the client wrote. */
  async function readsBack(id: string, what: string): Promise<void> {
    const res = await send('GET', `/bookings/${id}`);
    assert.equal(res.status, 200, `GET /bookings/${id} after ${what}: ${shown(res.text)}`);
    checkAnswer(res, `GET /bookings/${id}`);
    const ics = await send('GET', `/bookings/${id}.ics`);
    assert.equal(ics.status, 200, `GET /bookings/${id}.ics after ${what}: ${shown(ics.text)}`);
    assert.doesNotMatch(ics.text, /\r(?!\n)|(?<!\r)\n/, `a bare CR or LF in the iCalendar after ${what}`);
    assert.ok(!ics.text.includes('\u0000'), `a NUL in the iCalendar after ${what}`);
    for (const line of unfold(ics.text)) {
      assert.doesNotMatch(line, /^(ATTENDEE|ORGANIZER|BCC|RRULE):.*evil|^Bcc:/i, `an injected iCalendar line after ${what}: ${line}`);
    }
  }

  test('POST /bookings with mutated bookings', async (t) => {
    const stats = fuzzStats();
    await runProperty(
      `scheduler [${dialect}] create bookings`,
      fc.asyncProperty(body(bookingBody(bridgeId)), async (payload) => {
        const res = await request('POST', '/bookings', payload, ['/bookings']);
        stats.count(res.status);
        if (res.status === 201) {
          const id = String((res.json as { id: unknown }).id);
          await readsBack(id, 'POST /bookings');
          // Cancelled again, so later runs find the spaces free.
          assert.equal((await send('DELETE', `/bookings/${id}`)).status, 204);
        }
      }),
      { runs: RUNS.create, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['201', '400'], RUNS.create);
  });

  test('PATCH /bookings/<id> with mutated changes', async (t) => {
    const stats = fuzzStats();
    const patch = bookingBody(bridgeId).map((b) => {
      if (typeof b !== 'object' || b === null || Array.isArray(b)) return b;
      // A patch carries some members only; null removes the optional ones.
      const entries = Object.entries(b);
      return Object.fromEntries(entries.filter((_, i) => i % 3 === entries.length % 3));
    });
    await runProperty(
      `scheduler [${dialect}] patch bookings`,
      fc.asyncProperty(body(fc.oneof(patch, mutated({}, { recurrence: fc.constant(null), pin: fc.constant(null), overrides: fc.constant(null), bridge: fc.constant(null) }))), async (payload) => {
        const res = await request('PATCH', `/bookings/${bookingId}`, payload, ['/bookings', `/bookings/${bookingId}`]);
        stats.count(res.status);
        if (res.status === 200) await readsBack(bookingId, 'PATCH');
      }),
      { runs: RUNS.patch, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['200', '400'], RUNS.patch);
  });

  test('occurrences: PATCH, extend and end with random ordinals and bodies', async (t) => {
    const n = fc.oneof(fc.integer({ min: -1, max: 6 }).map(String), fc.constantFrom('0', '1e3', '999999', '1000000', 'abc', '%00', '1.5', '01', '%2F'));
    const occurrenceBody = mutated({ start: '2026-01-14T10:30', end: '2026-01-14T11:30' }, { start: fc.constantFrom(...DATES), end: fc.constantFrom(...DATES), title: fuzzText(), pin: fc.constantFrom(null, '1', 'x'), cancelled: fc.boolean(), participants: fc.array(participant, { maxLength: 2 }) });
    const extendBody = mutated({ minutes: 15 }, { minutes: fc.oneof(fc.integer({ min: -5, max: 800 }), fc.constantFrom(1.5, 1e308, '15', null)) });
    await runProperty(
      `scheduler [${dialect}] occurrences`,
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('PATCH'), n, fc.constant(''), body(occurrenceBody)),
          fc.tuple(fc.constant('POST'), n, fc.constant('/extend'), body(extendBody)),
          fc.tuple(fc.constant('POST'), n, fc.constant('/end'), fc.constant(undefined)),
          fc.tuple(fc.constant('GET'), n, fc.constantFrom('', '/audit'), fc.constant(undefined)),
        ),
        async ([method, ordinal, suffix, payload]) => {
          await request(method, `/bookings/${bookingId}/occurrences/${ordinal}${suffix}`, payload, ['/bookings', `/bookings/${bookingId}`]);
        },
      ),
      { runs: RUNS.occurrences, file: FILE, test: t.name },
    );
  });

  // -----------------------------------------------------------------------------------------------------
  // Regressions

  test('regression #13.2: a rule that yields nothing is refused, and the scheduler keeps answering', async () => {
    const bad = { title: 'Never', organizer: 'chair@example.com', start: '2026-02-02T10:00', end: '2026-02-02T11:00', timeZone: 'UTC', recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30' };
    const before = await snapshot(['/bookings']);
    const answers = await Promise.all([send('POST', '/bookings', { json: bad }), send('POST', '/bookings', { json: bad }), send('POST', '/bookings', { json: bad })]);
    for (const res of answers) {
      assert.equal(res.status, 400, res.text);
      const json = checkAnswer(res, 'POST /bookings with FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30') as { error: { code: string; details: Array<{ path: string }> } };
      assert.equal(json.error.code, 'validationFailed');
      assert.ok(json.error.details.some((d) => d.path === 'recurrence'), res.text);
    }
    assertUnchanged(before, await snapshot(['/bookings']), 'refused bookings changed the state');
    await stillAnswers('three impossible rules');
  });

  test('bridges: POST and PATCH with mutated settings (local addresses only)', async (t) => {
    const stats = fuzzStats();
    // Addresses: the managed bridge itself (already managed), this machine on a closed port, and
    // text no URL parser takes as a host; never a name that would be looked up.
    const address = fc.oneof(
      fc.constantFrom(bridge.bridge.url, `${bridge.bridge.url}/`, `${bridge.bridge.url}/api/v1`, bridge.bridge.url.toUpperCase(), 'http://127.0.0.1:9', 'http://127.0.0.1:99999', 'http://user:pw@127.0.0.1:9', '127.0.0.1:9/x', ''),
      fuzzText().map((t) => `a<${t}`),
    );
    const addBody = mutated({ address: bridge.bridge.url, username: API_USER.user, password: API_USER.password }, { address, username: fuzzText(), password: fuzzText(), allowSelfSigned: fc.constantFrom(true, false, 'true', 1) });
    const range = mutated({ start: 1, end: 3 }, { start: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom(999_999_999, 1e9, 1.5)), end: fc.oneof(fc.integer({ min: -1, max: 8 }), fc.constantFrom(20_000, 999_999_999, 2 ** 53 + 1)) });
    const configureBody = mutated(
      {},
      {
        name: fc.oneof(fuzzText(), hugeText()),
        domain: fc.oneof(fc.constantFrom('meet.example.com', 'MEET.example.com', '-x.example.com', 'a..b', 'x'.repeat(254), '\u00e9.example.com'), fuzzText()),
        conferenceIdRange: range,
        username: fuzzText(),
        password: fuzzText(),
        alternate: fc.oneof(fc.constant(null), mutated({ address: bridge.bridge.url, username: 'a', password: 'b' }, { address })),
      },
    );
    await runProperty(
      `scheduler [${dialect}] bridges`,
      fc.asyncProperty(fc.oneof(fc.tuple(fc.constant('POST'), body(addBody)), fc.tuple(fc.constant('PATCH'), body(configureBody))), async ([method, payload]) => {
        const path = method === 'POST' ? '/bridges' : `/bridges/${bridgeId}`;
        // Provisioning polls the bridge's bulk sync on the scheduler's clock.
        const res = await driveClock(clock, request(method, path, payload, ['/bridges', `/bridges/${bridgeId}`]));
        stats.count(res.status);
      }),
      { runs: RUNS.bridges, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['400'], RUNS.bridges);
  });
});
