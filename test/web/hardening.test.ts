/**
 * Issue #13, web UI: login throttling under parallel attempts, `next` after login, header values built
 * from data, and the CSRF Origin check — all over real HTTP against the webUi plugin.
 */
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { after, before, beforeEach, describe, test } from 'node:test';
import { MAX_FAILURES, MAX_FAILURES_PER_CLIENT, WINDOW_MS } from '../../src/web/auth/throttle.ts';
import { attachment } from '../../src/web/headers.ts';
import { html } from '../../src/web/html.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

/** A part whose redirect and download take their path and file name from the request. */
function probeRegistry(): PageRegistry {
  return new PageRegistry().add({
    name: 'probe',
    summary: 'A test part.',
    nav: [],
    register(app, kit) {
      app.get('/probe', (request, reply) => kit.page(request, reply, { title: 'Probe', body: html`<p>viewable</p>` }));
      app.post('/probe/book', { config: { permission: 'book' } }, (_request, reply) => kit.fragment(reply, html`<p>booked</p>`));
      app.post('/probe/go', (request, reply) => kit.redirect(reply, `/probe/${kit.form(request).getRaw('name')}`, 'saved'));
      app.get('/probe/download', (request: FastifyRequest<{ Querystring: { title?: string } }>, reply) =>
        reply.type('text/plain; charset=utf-8').header('content-disposition', attachment(`${request.query.title ?? ''}.txt`)).send('x'),
      );
    },
  });
}

const count = (statuses: readonly number[], status: number): number => statuses.filter((s) => s === status).length;

describe('web UI hardening (issue #13)', () => {
  let web: TestWeb;
  before(async () => {
    web = await startTestWeb('sqlite', { registry: probeRegistry() });
    await web.addUser('admin', 'admin');
    await web.addUser('booker', 'booker');
    await web.addUser('viewer', 'viewer');
  });
  after(async () => {
    await web.close();
  });
  // Every test starts with a clean throttle: all earlier attempts are outside the window.
  beforeEach(async () => {
    await web.clock.advance(WINDOW_MS + 1000);
  });

  const login = (form: Record<string, string>, headers?: Record<string, string>) => new WebClient(web.url).send('POST', '/login', { form, ...(headers ? { headers } : {}) });

  describe('login throttling reserves an attempt before the password check', () => {
    test(`30 parallel wrong passwords for one user: ${MAX_FAILURES} reach the check (401), the rest are throttled (429)`, async () => {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login({ username: 'viewer', password: `wrong-${i}-xxxxxx` })));
      const statuses = answers.map((a) => a.status);
      assert.equal(count(statuses, 401), MAX_FAILURES, statuses.join(','));
      assert.equal(count(statuses, 429), 30 - MAX_FAILURES, statuses.join(','));
      assert.equal((await login({ username: 'viewer', password: 'viewer-password!' })).status, 429, 'the right password is refused too');
    });

    test(`150 parallel wrong logins from one address: ${MAX_FAILURES_PER_CLIENT} reach the check, the rest are throttled`, async () => {
      const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => login({ username: `spray-${i}`, password: 'wrong-password-xx' })));
      const statuses = answers.map((a) => a.status);
      assert.equal(count(statuses, 401), MAX_FAILURES_PER_CLIENT, statuses.join(','));
      assert.equal(count(statuses, 429), 150 - MAX_FAILURES_PER_CLIENT);
    });

    test('successful logins release their reservation: they never use up the address\'s attempts', async () => {
      for (let i = 0; i < MAX_FAILURES_PER_CLIENT + 5; i++) assert.equal((await login({ username: 'booker', password: 'booker-password!' })).status, 303, `login ${i}`);
      assert.equal((await login({ username: 'viewer', password: 'nope-nope-nope' })).status, 401);
    });

    test('a success clears the username\'s failures', async () => {
      for (let i = 0; i < MAX_FAILURES - 1; i++) assert.equal((await login({ username: 'admin', password: `guess-${i}-xxxx` })).status, 401);
      assert.equal((await login({ username: 'admin', password: 'admin-password!' })).status, 303);
      for (let i = 0; i < MAX_FAILURES - 1; i++) assert.equal((await login({ username: 'admin', password: `guess-${i}-yyyy` })).status, 401);
      assert.equal((await login({ username: 'admin', password: 'admin-password!' })).status, 303);
    });
  });

  describe('next after login resolves to a same-origin path', () => {
    const offSite = [
      '/\t/evil.example/phish',
      '/\n/evil',
      '/\r\n/evil.example',
      '//evil.example/x',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'https://127.0.0.1:1/x',
      'javascript:alert(1)',
      ' //evil.example',
      '/login',
      '/login?next=//evil.example',
    ];

    test('off-site, unparsable or login targets go to /, the Location never leaves the origin nor carries a control', async () => {
      for (const next of [...offSite, `https://${new URL(web.url).host}/probe`]) {
        const res = await login({ username: 'viewer', password: 'viewer-password!', next });
        assert.equal(res.status, 303, JSON.stringify(next));
        assert.equal(res.headers['location'], '/', JSON.stringify(next));
      }
    });

    test('GET /login?next=… for a signed-in user: the same rule, and no 500 for a newline', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const cases: Array<[string, string]> = [
        ['next=%2F%09%2Fevil.example%2Fphish', '/'],
        ['next=%2F%0A%2Fevil', '/'],
        ['next=%2F%0D%0ASet-Cookie:%20x=1', '/Set-Cookie:%20x=1'],
        ['next=%2F.%2F%2Fevil.example', '/evil.example'],
      ];
      for (const [query, expected] of cases) {
        const res = await client.get(`/login?${query}`);
        assert.equal(res.status, 303, query);
        const location = String(res.headers['location']);
        assert.equal(new URL(location, web.url).origin, new URL(web.url).origin, `${query} → ${location}`);
        assert.equal(location, expected, query);
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    test('the login form carries the resolved path, never the raw value', async () => {
      const form = await new WebClient(web.url).get('/login?next=%2F%09%2Fevil.example%2Fphish');
      assert.equal(form.status, 200);
      assert.match(form.text, /name="next" value="\/"/);
    });

    test('same-origin targets keep their path and query, percent-encoded', async () => {
      const cases: Array<[string, string]> = [
        ['/probe?x=1&y=2', '/probe?x=1&y=2'],
        [`${web.url}/probe?x=1`, '/probe?x=1'],
        ['probe', '/probe'],
        ['/probe/a b?q=ä', '/probe/a%20b?q=%C3%A4'],
        ['/probe#frag', '/probe'],
        // Same origin, however it is spelled: the parser's answer, with leading slashes collapsed.
        ['http:evil.example', '/evil.example'],
        ['/.//evil.example/x', '/evil.example/x'],
        ['/./\t/evil.example', '/evil.example'],
      ];
      for (const [next, expected] of cases) {
        const res = await login({ username: 'viewer', password: 'viewer-password!', next });
        assert.equal(res.headers['location'], expected, next);
      }
    });
  });

  describe('header values built from data carry no control characters', () => {
    test('a redirect to a path with CR, LF, tab, NUL or a lone surrogate stays one same-site header', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const cases: Array<[string, string]> = [
        ['a\r\nSet-Cookie: x=1', '/probe/a%0D%0ASet-Cookie:%20x=1?notice=saved'],
        ['\t/evil', '/probe/%09/evil?notice=saved'],
        ['b\u0000c\ud800', '/probe/b%00c%EF%BF%BD?notice=saved'],
        ['ä', '/probe/%C3%A4?notice=saved'],
      ];
      for (const [name, expected] of cases) {
        const res = await client.post('/probe/go', { name });
        assert.equal(res.status, 303, JSON.stringify(name));
        assert.equal(res.headers['location'], expected);
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    test('a download named from a title with quotes, CR/LF or non-ASCII gets a safe Content-Disposition', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const res = await client.get(`/probe/download?title=${encodeURIComponent('Q1 "plan"\r\nX-Evil: 1 / Zürich')}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-evil'], undefined);
      assert.equal(res.headers['content-disposition'], `attachment; filename="Q1 _plan___X-Evil: 1 _ Z_rich.txt"; filename*=UTF-8''Q1%20%22plan%22%0D%0AX-Evil%3A%201%20%2F%20Z%C3%BCrich.txt`);
      const plain = await client.get('/probe/download?title=usage-2026-01-05');
      assert.equal(plain.headers['content-disposition'], 'attachment; filename="usage-2026-01-05.txt"');
    });
  });

  describe('the CSRF Origin check compares scheme, host and port', () => {
    test('a login form posted from another scheme or port of this host is refused; the own origin is accepted', async () => {
      const own = new URL(web.url);
      for (const origin of [`https://${own.host}`, `http://${own.hostname}:1`, `http://localhost:${own.port}`, 'null', 'not a url']) {
        const res = await login({ username: 'viewer', password: 'viewer-password!' }, { origin });
        assert.equal(res.status, 403, origin);
        assert.equal(res.headers['set-cookie'], undefined, origin);
      }
      for (const origin of [own.origin, `HTTP://${own.host.toUpperCase()}`]) {
        assert.equal((await login({ username: 'viewer', password: 'viewer-password!' }, { origin })).status, 303, origin);
      }
    });

    test('with a session and the right token, an https:// Origin over http:// is still refused', async () => {
      const client = new WebClient(web.url);
      await client.login('booker');
      const own = new URL(web.url);
      const refused = await client.send('POST', '/probe/book', { form: { _csrf: client.csrf ?? '' }, headers: { origin: `https://${own.host}` } });
      assert.equal(refused.status, 403);
      const accepted = await client.send('POST', '/probe/book', { form: { _csrf: client.csrf ?? '' }, headers: { origin: own.origin } });
      assert.equal(accepted.status, 200);
    });

    test('a Host header that is not a host refuses an unsafe request carrying an Origin', async () => {
      const own = new URL(web.url);
      const res = await login({ username: 'viewer', password: 'viewer-password!' }, { origin: own.origin, host: `${own.host}/x` });
      assert.equal(res.status, 403);
    });
  });
});
