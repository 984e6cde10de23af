/**
 * Fuzz: the web UI's forms, as a logged-in admin with a valid CSRF token (the login form as anyone):
 * random field values (valid ones, control characters, CR/LF, NUL, lone surrogates, huge strings),
 * odd `next` targets, random query strings; on the real pages over a real scheduler, a real bridge
 * (bookings, CDR settings) and the users page.
 *
 * Each run asserts: no 5xx; no header value carries CR or LF; a redirect only ever leads to a path of
 * this origin (resolved as a browser does, with the WHATWG URL parser); a refused form (4xx) leaves
 * the users, bookings and CDR receivers as they were; the web UI still answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/shared/clock.ts';
import { schedulerBookingsBackend } from '../../src/webPorts.ts';
import { bookingsPart, TIME_ZONES } from '../../src/web/bookings/pages.ts';
import { REPEAT_CHOICES } from '../../src/web/bookings/recurrence.ts';
import type { CmsClient } from '../../src/clients/cms/client.ts';
import { bridgeClient } from '../../src/web/bridges/bridgeClient.ts';
import { bridgesPart } from '../../src/web/bridges/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { API_USER } from '../support/bridge.ts';
import { freshDatabase, type TestDatabase } from '../support/databases.ts';
import { assertReached, assertUnchanged, formParts, formText, fuzzStats, fuzzText, hugeText, ODD_VALUES, runProperty, shown, trace } from '../support/fuzz.ts';
import { http } from '../support/http.ts';
import { driveClock, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge } from '../support/scheduler.ts';
import { startTestWeb, WebClient, type TestWeb, type WebAnswer } from '../support/web.ts';

const FILE = 'test/fuzz/web.test.ts';
const RUNS = { login: 40, bookings: 35, users: 25, cdr: 25, queries: 40 } as const;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Where `next` (and other redirect inputs) might try to send a browser. */
const NEXT_VALUES: readonly string[] = [
  '/', '/bookings', '/bookings?view=day', '//evil.example', '/\\evil.example', '/\t/evil.example/phish', '%2F%09%2Fevil.example%2Fphish', '/\n/evil',
  '/\r\nSet-Cookie: x=1', '/%0d%0aSet-Cookie:%20x=1', 'https://evil.example/', 'http:evil.example', 'javascript:alert(1)', '\\\\evil.example', '/.//evil.example',
  '/..//evil.example', '/%2F%2Fevil.example', ' //evil.example', '\u0000/evil', '/login?next=//evil.example', '/%E2%80%AE', '/\u2028', '/\ud800',
  `/${'a'.repeat(3000)}`, 'http://127.0.0.1/', 'HTTP://evil.example', '/\u3002evil.example', '/\uff0f\uff0fevil.example',
];

/** CR, LF or another control character in a header value, if any. */
function badHeader(headers: WebAnswer['headers']): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) if (/[\r\n]/.test(v) || v.includes('\u0000')) return `${name}: ${JSON.stringify(v)}`;
  }
  return undefined;
}

describe('fuzz: web UI forms', () => {
  let clock: FakeClock;
  let bridgeDb: TestDatabase;
  let bridge: TracedBridge;
  let s: TestScheduler;
  let web: TestWeb;
  let cms: CmsClient;
  let admin: WebClient;
  let origin = '';
  let bookingId = '';

  before(async () => {
    clock = new FakeClock(T0);
    bridgeDb = await freshDatabase('sqlite', 'bridge');
    bridge = await startTracedBridge(bridgeDb, clock, 'CallBridge-WebFuzz');
    s = await startTestScheduler('sqlite', clock, { key: randomBytes(32) });
    const added = await s.api('POST', '/bridges', { address: bridge.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const configured = await driveClock(clock, s.api('PATCH', `/bridges/${String(added.json.id)}`, { name: 'Core', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 3 } }));
    assert.equal(configured.status, 200, configured.text);
    cms = bridgeClient({ baseUrl: bridge.bridge.url, user: API_USER.user, password: API_USER.password, allowSelfSigned: false });
    web = await startTestWeb('sqlite', {
      registry: new PageRegistry().add(bookingsPart(schedulerBookingsBackend(s.scheduler, clock))).add(bridgesPart([{ key: 'core', label: 'Core', api: cms }])),
    });
    origin = new URL(web.url).origin;
    await web.addUser('admin', 'admin');
    await web.addUser('someone', 'viewer');
    // Only the regressions log in as this one (the users form changes someone's password).
    await web.addUser('visitor', 'viewer');
    const booked = await s.api('POST', '/bookings', {
      title: 'Weekly', organizer: 'chair@example.com', start: '2026-01-07T10:00', end: '2026-01-07T11:00', timeZone: 'UTC', recurrence: 'FREQ=WEEKLY;COUNT=3',
    });
    assert.equal(booked.status, 201, booked.text);
    bookingId = String(booked.json.id);
  });
  after(async () => {
    await web.close();
    await cms.close();
    await s.close();
    await bridge.close();
    await bridgeDb.dispose();
  });

  /** No 5xx, no CR/LF in headers, same-origin redirects only. */
  function checkAnswer(res: WebAnswer, what: string): void {
    assert.ok(res.status < 500, `${what} → ${res.status} ${shown(res.text.replace(/\s+/g, ' '), 600)}`);
    const bad = badHeader(res.headers);
    assert.equal(bad, undefined, `${what} → a header with CR/LF/NUL: ${bad ?? ''}`);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers['location'];
      assert.equal(typeof location, 'string', `${what} → ${res.status} without a location`);
      const target = new URL(String(location), `${web.url}/login`);
      assert.equal(target.origin, origin, `${what} → ${res.status} location ${JSON.stringify(location)} leads to ${target.href}`);
    }
  }

  async function stillAnswers(what: string): Promise<void> {
    const res = await admin.get('/');
    assert.equal(res.status, 200, `GET / after ${what} → ${res.status}`);
  }

  // The login tests move the web clock on by hours (past the throttle's window), ending sessions:
  // each test starts past the throttle's window with a fresh admin session.
  beforeEach(async () => {
    await web.clock.advance(16 * 60_000);
    admin = new WebClient(web.url);
    assert.equal((await admin.login('admin')).status, 303);
  });

  /** Users, bookings and CDR receivers as their owners show them. */
  async function state(): Promise<string> {
    const users = await web.storage.users.list();
    const bookings = await s.api('GET', '/bookings');
    const receivers = await http('GET', `${bridge.bridge.url}/api/v1/system/cdrReceivers`, { auth: API_USER });
    return JSON.stringify({ users, bookings: bookings.text, receivers: receivers.text });
  }

  /** A form post as the admin: checked; a refused one leaves the state as it was. */
  async function submit(path: string, form: Record<string, string>, stats: ReturnType<typeof fuzzStats>): Promise<WebAnswer> {
    const what = `POST ${path} ${shown(JSON.stringify(form), 1500)}`;
    trace(`web ${what}`);
    const before = await state();
    const res = await admin.post(path, form);
    stats.count(res.status);
    checkAnswer(res, what);
    if (res.status >= 400) assertUnchanged(before, await state(), `a refused form changed the state: ${what} → ${res.status}`);
    await stillAnswers(what);
    return res;
  }

  /** `valid` with up to three of its fields replaced by anything (`field` of junk only). */
  function someReplaced<T extends Record<string, string>>(valid: fc.Arbitrary<T>): fc.Arbitrary<T> {
    return valid.chain((form) => {
      const names = Object.keys(form).sort();
      return fc
        .oneof({ weight: 1, arbitrary: fc.constant<string[]>([]) }, { weight: 3, arbitrary: fc.subarray(names, { minLength: 1, maxLength: Math.min(3, names.length) }) })
        .chain((chosen) => fc.tuple(...chosen.map((name) => fc.tuple(fc.constant(name), field(fc.constantFrom(...ODD_VALUES))))))
        .map((changes): T => ({ ...form, ...Object.fromEntries(changes) }));
    });
  }

  /** A value for a form field: mostly plausible, sometimes anything. */
  const field = (plausible: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 2, arbitrary: fuzzText(30) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_VALUES, '\r\n', 'a\u0000b', '\ud800') }, { weight: 1, arbitrary: hugeText() });

  test('login with random usernames, passwords and next targets', async (t) => {
    const stats = fuzzStats();
    const visitor = new WebClient(web.url);
    await runProperty(
      'web login',
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('POST', 'POST', 'GET'),
          credentials: fc.oneof(
            fc.constantFrom<[string, string]>(['someone', 'someone-password!'], ['SOMEONE', 'someone-password!']),
            fc.tuple(field(fc.constantFrom('admin', 'someone', ' admin ', 'nobody')), field(fc.constantFrom('admin-password!', 'wrong'))),
          ),
          next: fc.oneof(fc.constantFrom(...NEXT_VALUES), fuzzText(40).map((x) => `/${x}`), fuzzText(40)),
        }),
        async ({ method, credentials: [username, password], next }) => {
          const input = { method, username, password, next };
          // A fresh throttle window for every run: the throttle is its own test (below).
          await web.clock.advance(16 * 60_000);
          if (input.method === 'GET') {
            // Logged in (or not): GET /login?next= either shows the form or redirects.
            const path = `/login?next=${encodeURIComponent(input.next.replace(/[\ud800-\udfff]/g, ''))}`;
            trace(`web GET ${path}`);
            const res = await visitor.get(path);
            stats.count(`GET ${res.status}`);
            checkAnswer(res, `GET ${shown(path)}`);
            return;
          }
          const form = { username: input.username, password: input.password, next: input.next };
          trace(`web POST /login ${JSON.stringify(form)}`);
          const res = await visitor.send('POST', '/login', { form });
          stats.count(`POST ${res.status}`);
          checkAnswer(res, `POST /login ${shown(JSON.stringify(form))}`);
        },
      ),
      { runs: RUNS.login, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['POST 303', 'POST 401'], RUNS.login);
    assert.equal((await new WebClient(web.url).get('/login')).status, 200, 'GET /login after the login fuzzing');
  });

  test('booking form with random fields', async (t) => {
    const stats = fuzzStats();
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const date = fc.integer({ min: 1, max: 60 }).map((d) => new Date(Date.UTC(2026, 0, 5 + d)).toISOString().slice(0, 10));
    const booking = someReplaced(
      fc.record({
        title: fc.constantFrom('Fuzz meeting', 'Board <b>', 'a\r\nATTENDEE:x', '\u4f1a\u8bae'),
        organizer: fc.constantFrom('chair@example.com', 'x@y', 'chair@example.com\r\nBcc: x@example.com'),
        date,
        start: time,
        end: time,
        timeZone: fc.constantFrom(...TIME_ZONES, 'Mars/Olympus', ''),
        repeat: fc.constantFrom(...REPEAT_CHOICES.map(([v]) => v)),
        count: fc.constantFrom('', '', '2', '0', '-1', '5001', '99999999999999999999'),
        until: fc.oneof(fc.constant(''), date, fc.constantFrom('9999-12-31', '2026-02-30')),
        rrule: fc.constantFrom('', '', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=SECONDLY', 'FREQ=WEEKLY;COUNT=2', 'FREQ=DAILY;UNTIL=99991231T000000Z'),
        pin: fc.constantFrom('', '1234', '0'.repeat(21), 'abc'),
        participants: fc.constantFrom('', 'alice@example.com', 'Alice <alice@example.com>\nbob@example.com', 'dial-in: carol@example.com', '<>', 'a b c'),
      }),
    );
    await runProperty(
      'web booking form',
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: booking.map((form) => ['new', form] as const) }, { weight: 1, arbitrary: booking.map((form) => ['edit', form] as const) }), async ([kind, form]) => {
        if (kind === 'new') {
          const res = await submit('/bookings', form, stats);
          const created = /^\/bookings\/([^/?]+)/.exec(String(res.headers['location'] ?? ''))?.[1];
          // Cancelled again, so later runs find the spaces free.
          if (res.status === 303 && created !== undefined) await s.api('DELETE', `/bookings/${created}`);
        } else {
          await submit(`/bookings/${bookingId}/edit`, { title: form.title, pin: form.pin, participants: form.participants }, stats);
        }
      }),
      { runs: RUNS.bookings, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
    assertReached(stats, ['303', '400'], RUNS.bookings);
  });

  test('users form with random usernames, passwords and roles', async (t) => {
    const stats = fuzzStats();
    const users = await web.storage.users.list();
    const someone = users.find((u) => u.username === 'someone')?.id ?? 'missing';
    const role = field(fc.constantFrom('admin', 'booker', 'viewer', 'ADMIN', 'root', ''));
    await runProperty(
      'web users form',
      fc.asyncProperty(
        fc.oneof(
          someReplaced(fc.record({ username: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/), password: fc.constantFrom('long-enough-password', 'short', ''), role: fc.constantFrom('admin', 'booker', 'viewer', 'ADMIN', 'root') })).map(
            (f) => ['/admin/users', f] as const,
          ),
          role.map((r) => [`/admin/users/${someone}/role`, { role: r }] as const),
          field(fc.constantFrom('another-long-password', 'x')).map((p) => [`/admin/users/${someone}/password`, { password: p }] as const),
          fc.constantFrom('/admin/users/nobody/role', '/admin/users/%00/role', '/admin/users/..%2F..%2F/role').map((path) => [path, { role: 'admin' }] as const),
        ),
        async ([path, form]) => {
          await submit(path, { ...form }, stats);
        },
      ),
      { runs: RUNS.users, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
  });

  test('CDR settings form with random receiver URIs (local ones only are valid)', async (t) => {
    const stats = fuzzStats();
    const uri = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.constantFrom('http://127.0.0.1:9/cdr', 'http://127.0.0.1:9/other') }, { weight: 3, arbitrary: field(fc.constantFrom('', 'https://127.0.0.1:9/cdr?token=secret', 'http://user:pw@127.0.0.1:9/', `http://127.0.0.1:9/${'x'.repeat(1100)}`, 'ftp://127.0.0.1/', 'http://127.0.0.1:9/a b', 'http://127.0.0.1:9/\r\nx')) });
    await runProperty(
      'web CDR settings',
      fc.asyncProperty(fc.record({ uri1: uri, uri2: uri, uri3: uri, uri4: uri }), async (form) => {
        await submit('/bridges/core/cdr', form, stats);
      }),
      { runs: RUNS.cdr, file: FILE, test: t.name },
    );
    t.diagnostic(JSON.stringify(stats.outcomes));
  });

  test('pages with random query strings and path segments', async (t) => {
    const pages = ['/', '/bookings', '/bookings/new', `/bookings/${bookingId}`, '/admin/users', '/bridges', '/bridges/core/cdr', '/login'];
    const names = ['view', 'date', 'zone', 'notice', 'next', 'id', 'offset'];
    await runProperty(
      'web queries',
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom(...pages), formParts(names, () => fuzzText(30))).map(([page, parts]) => `${page}?${formText(parts).replace(/#/g, '%23')}`),
          fc.tuple(fc.constantFrom('/bookings/', '/bridges/', '/admin/users/', `/bookings/${bookingId}/occurrences/`), fuzzText(30)).map(
            ([prefix, segment]) => `${prefix}${encodeURIComponent(segment.replace(/[\ud800-\udfff]/g, '')).replace(/%25/g, '%')}`,
          ),
        ),
        async (path) => {
          trace(`web GET ${path}`);
          const res = await admin.get(path);
          checkAnswer(res, `GET ${shown(path)}`);
        },
      ),
      { runs: RUNS.queries, file: FILE, test: t.name },
    );
    await stillAnswers('random queries');
  });

  // -----------------------------------------------------------------------------------------------------
  // Regressions: issue #13's findings on the web UI

  test('regression #13.5: next=/\\t/evil.example/phish and next=/\\n/evil redirect to this origin, never fail', async () => {
    const visitor = new WebClient(web.url);
    await web.clock.advance(16 * 60_000);
    for (const next of ['/\t/evil.example/phish', '/\n/evil', '/\r\n/evil', '//evil.example']) {
      const res = await visitor.send('POST', '/login', { form: { username: 'visitor', password: 'visitor-password!', next } });
      assert.equal(res.status, 303, `next=${JSON.stringify(next)}`);
      checkAnswer(res, `POST /login next=${JSON.stringify(next)}`);
      for (const query of ['%2F%09%2Fevil.example%2Fphish', '%2F%0A%2Fevil']) {
        const again = await visitor.get(`/login?next=${query}`);
        checkAnswer(again, `GET /login?next=${query} (logged in)`);
      }
    }
  });

  test('regression #13.4: parallel wrong passwords for one user get at most 5 tries', async () => {
    await web.clock.advance(16 * 60_000);
    const answers = await Promise.all(Array.from({ length: 30 }, () => new WebClient(web.url).send('POST', '/login', { form: { username: 'someone', password: 'wrong-password' } })));
    const tried = answers.filter((a) => a.status === 401).length;
    assert.ok(tried <= 5, `${tried} of 30 parallel attempts were tried (limit 5): ${JSON.stringify(answers.map((a) => a.status))}`);
    assert.ok(answers.every((a) => a.status === 401 || a.status === 429), JSON.stringify(answers.map((a) => a.status)));
  });

  test('regression #13.11: a form post whose Origin has another scheme or port is refused', async () => {
    const before = await state();
    const url = new URL(web.url);
    for (const other of [`https://${url.host}`, `http://${url.hostname}:${Number(url.port) + 1}`]) {
      const res = await admin.send('POST', '/admin/users', { form: { _csrf: admin.csrf ?? '', username: 'mallory', password: 'long-enough-password', role: 'admin' }, headers: { origin: other } });
      assert.equal(res.status, 403, `Origin ${other}`);
    }
    assertUnchanged(before, await state(), 'a refused cross-origin form changed the state');
  });
});
