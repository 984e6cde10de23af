/** Login, sessions, CSRF and role checks through real HTTP against the webUi plugin, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { IDLE_TIMEOUT_MS } from '../../src/web/auth/sessions.ts';
import { html } from '../../src/web/html.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

/** A part with one page per permission level and a form that echoes what it was sent. */
function probeRegistry(): PageRegistry {
  return new PageRegistry().add({
    name: 'probe',
    summary: 'A test part.',
    nav: [
      { href: '/probe', label: 'Probe', permission: 'view', order: 10 },
      { href: '/probe/book', label: 'Book probe', permission: 'book', order: 11 },
    ],
    register(app, kit) {
      app.get('/probe', (request, reply) => kit.page(request, reply, { title: 'Probe', body: html`<p>viewable</p>` }));
      app.post('/probe/echo', (request, reply) => kit.page(request, reply, { title: 'Echo', body: html`<p id="echo">${kit.form(request).get('text')}</p>` }));
      app.post('/probe/book', { config: { permission: 'book' } }, (request, reply) => kit.fragment(reply, html`<p>booked</p>`));
      app.get('/probe/fail', () => {
        throw new Error('boom with secret=hunter2');
      });
    },
  });
}

forEachDialect('web UI login, sessions, CSRF and roles', (dialect) => {
  let web: TestWeb;
  before(async () => {
    web = await startTestWeb(dialect, { registry: probeRegistry() });
    await web.addUser('admin', 'admin');
    await web.addUser('booker', 'booker');
    await web.addUser('viewer', 'viewer');
  });
  after(async () => {
    await web.close();
  });

  describe('login', () => {
    test('a page without a session redirects to the login form, keeping where you were going', async () => {
      const client = new WebClient(web.url);
      const res = await client.get('/probe?x=1');
      assert.equal(res.status, 303);
      assert.equal(res.headers['location'], '/login?next=%2Fprobe%3Fx%3D1');
      const form = await client.get('/login?next=%2Fprobe');
      assert.equal(form.status, 200);
      assert.match(form.text, /<label for="username">Username<\/label>/);
      assert.match(form.text, /<main id="main"/);
      assert.match(form.text, /name="next" value="\/probe"/);
    });

    test('htmx requests without a session get 401 and HX-Redirect to the login page', async () => {
      const res = await new WebClient(web.url).get('/probe', { 'hx-request': 'true' });
      assert.equal(res.status, 401);
      assert.equal(res.headers['hx-redirect'], '/login');
    });

    test('right password: session cookie HttpOnly, SameSite=Lax, not Secure over HTTP; redirect to next', async () => {
      const client = new WebClient(web.url);
      const res = await client.send('POST', '/login', { form: { username: 'Viewer', password: 'viewer-password!', next: '/probe' } });
      assert.equal(res.status, 303);
      assert.equal(res.headers['location'], '/probe');
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /^sb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      const page = await client.get('/probe');
      assert.equal(page.status, 200);
      assert.match(page.text, /viewer <span class="role">\(viewer\)<\/span>/);
    });

    test('wrong password or unknown user: 401, the same message, no cookie', async () => {
      for (const [username, password] of [['viewer', 'nope-nope-nope'], ['ghost', 'viewer-password!'], ['', ''], ['viewer', 'x'.repeat(10_000)]] as const) {
        const res = await new WebClient(web.url).send('POST', '/login', { form: { username, password } });
        assert.equal(res.status, 401, username);
        assert.match(res.text, /Wrong username or password\./);
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    test('after 5 failures a username is locked out for 15 minutes, even with the right password', async () => {
      await web.addUser('target', 'viewer');
      for (let i = 0; i < 5; i++) {
        assert.equal((await new WebClient(web.url).send('POST', '/login', { form: { username: 'target', password: `guess-${i}-xxxx` } })).status, 401);
      }
      const locked = await new WebClient(web.url).send('POST', '/login', { form: { username: 'TARGET', password: 'target-password!' } });
      assert.equal(locked.status, 429);
      assert.match(locked.text, /Too many failed attempts/);
      assert.equal(locked.headers['set-cookie'], undefined);
      await web.clock.advance(15 * 60_000);
      assert.equal((await new WebClient(web.url).send('POST', '/login', { form: { username: 'target', password: 'target-password!' } })).status, 303);
    });

    test('next never leaves the site', async () => {
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
        const res = await new WebClient(web.url).send('POST', '/login', { form: { username: 'viewer', password: 'viewer-password!', next } });
        assert.equal(res.headers['location'], '/', next);
      }
    });

    test('logout ends the session in the database: the old cookie no longer works', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const stolen = new Map(client.cookies);
      const res = await client.post('/logout');
      assert.equal(res.status, 303);
      assert.match(String(res.headers['set-cookie']), /sb_session=; .*Max-Age=0/);
      const replay = new WebClient(web.url);
      for (const [k, v] of stolen) replay.cookies.set(k, v);
      assert.equal((await replay.get('/probe')).status, 303);
    });

    test('an idle session expires', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      assert.equal((await client.get('/probe')).status, 200);
      await web.clock.advance(IDLE_TIMEOUT_MS + 1000);
      assert.equal((await client.get('/probe')).status, 303);
    });
  });

  describe('CSRF', () => {
    let client: WebClient;
    beforeEach(async () => {
      client = new WebClient(web.url);
      await client.login('booker');
    });

    test('every unsafe request needs the session token, as a form field or the htmx header', async () => {
      assert.equal((await client.send('POST', '/probe/book', { form: {} })).status, 403, 'no token');
      assert.equal((await client.send('POST', '/probe/book', { form: { _csrf: 'forged' } })).status, 403, 'wrong token');
      assert.equal((await client.send('POST', '/probe/book', { headers: { 'x-csrf-token': 'x'.repeat(43) } })).status, 403, 'wrong header');
      assert.equal((await client.post('/probe/book')).status, 200, 'form field');
      assert.equal((await client.send('POST', '/probe/book', { headers: { 'x-csrf-token': client.csrf ?? '' } })).status, 200, 'header');
    });

    test('pages carry the token for htmx in hx-headers and in the logout form', async () => {
      const page = await client.get('/probe');
      assert.ok(client.csrf);
      assert.match(page.text, new RegExp(`<body hx-headers="\\{&quot;x-csrf-token&quot;:&quot;${client.csrf}&quot;\\}">`));
    });

    test('another user\'s token does not work', async () => {
      const other = new WebClient(web.url);
      await other.login('admin');
      assert.equal((await client.send('POST', '/probe/book', { form: { _csrf: other.csrf ?? '' } })).status, 403);
    });

    test('a cross-site Origin is refused even with the right token', async () => {
      const res = await client.send('POST', '/probe/book', { form: { _csrf: client.csrf ?? '' }, headers: { origin: 'https://evil.example' } });
      assert.equal(res.status, 403);
      const login = await new WebClient(web.url).send('POST', '/login', { form: { username: 'booker', password: 'booker-password!' }, headers: { origin: 'null' } });
      assert.equal(login.status, 403, 'login from an opaque origin');
    });
  });

  describe('roles', () => {
    test('a viewer sees pages but cannot book, and has no Users or Book links', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const home = await client.get('/');
      assert.match(home.text, /href="\/probe"/);
      assert.doesNotMatch(home.text, /href="\/probe\/book"/);
      assert.doesNotMatch(home.text, /href="\/admin\/users"/);
      assert.equal((await client.post('/probe/book')).status, 403);
      assert.equal((await client.get('/admin/users')).status, 403);
    });

    test('a booker books but cannot manage users', async () => {
      const client = new WebClient(web.url);
      await client.login('booker');
      assert.equal((await client.post('/probe/book')).status, 200);
      assert.equal((await client.get('/admin/users')).status, 403);
      assert.equal((await client.post('/admin/users', { username: 'sneaky', password: 'sneaky-password', role: 'admin' })).status, 403);
      assert.equal(await web.storage.users.byUsername('sneaky'), undefined);
    });

    test('an admin adds a user who can then log in; bad input re-renders the form with the error and stores nothing', async () => {
      const client = new WebClient(web.url);
      await client.login('admin');
      const page = await client.get('/admin/users');
      assert.equal(page.status, 200);
      assert.match(page.text, /<caption>Users<\/caption>/);
      const created = await client.post('/admin/users', { username: 'frank', password: 'frank-password!', role: 'viewer' });
      assert.equal(created.status, 303);
      assert.equal((await new WebClient(web.url).login('frank')).status, 303);

      const before = await web.storage.users.count();
      const bad = await client.post('/admin/users', { username: '<script>', password: 'long-enough-pw', role: 'viewer' });
      assert.equal(bad.status, 400);
      assert.match(bad.text, /role="alert">A username is/);
      assert.match(bad.text, /value="&lt;script&gt;"/);
      assert.doesNotMatch(bad.text, /<script>/);
      assert.equal((await client.post('/admin/users', { username: 'frank', password: 'frank-password!', role: 'viewer' })).status, 409);
      assert.equal((await client.post('/admin/users', { username: 'gina', password: 'short', role: 'viewer' })).status, 400);
      assert.equal((await client.post('/admin/users', { username: 'gina', password: 'long-enough-pw', role: 'superuser' })).status, 400);
      assert.equal(await web.storage.users.count(), before);
    });
  });

  describe('robustness', () => {
    test('user input is escaped in pages', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const res = await client.post('/probe/echo', { text: '<img src=x onerror=alert(1)>' });
      assert.match(res.text, /<p id="echo">&lt;img src=x onerror=alert\(1\)&gt;<\/p>/);
    });

    test('oversized and malformed bodies get a 4xx page, the server keeps serving', async () => {
      const client = new WebClient(web.url);
      await client.login('admin');
      const big = await client.send('POST', '/probe/echo', { body: `_csrf=${client.csrf ?? ''}&text=${'a'.repeat(100_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(big.status, 413);
      const json = await client.send('POST', '/probe/echo', { body: '{"x":', headers: { 'content-type': 'application/json', 'x-csrf-token': client.csrf ?? '' } });
      assert.ok(json.status >= 400 && json.status < 500, String(json.status));
      const unknownType = await client.send('POST', '/probe/echo', { body: 'x', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': client.csrf ?? '' } });
      assert.equal(unknownType.status, 415);
      assert.equal((await client.get('/probe')).status, 200);
    });

    test('a failing handler answers 500 without leaking its error; unknown pages 404', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const res = await client.get('/probe/fail');
      assert.equal(res.status, 500);
      assert.doesNotMatch(res.text, /hunter2|boom/);
      assert.equal((await client.get('/no/such/page')).status, 404);
    });

    test('security headers: CSP without inline script, nosniff, no framing; htmx and CSS served locally', async () => {
      const client = new WebClient(web.url);
      const login = await client.get('/login');
      assert.match(String(login.headers['content-security-policy']), /script-src 'self'/);
      assert.doesNotMatch(String(login.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
      assert.equal(login.headers['x-content-type-options'], 'nosniff');
      assert.equal(login.headers['x-frame-options'], 'DENY');
      assert.match(login.text, /<script src="\/assets\/htmx.min.js" defer><\/script>/);
      const htmx = await client.get('/assets/htmx.min.js');
      assert.equal(htmx.status, 200);
      assert.match(htmx.text, /htmx/);
      assert.equal((await client.get('/assets/style.css')).status, 200);
    });
  });
});

forEachDialect('web UI under HTTPS settings', (dialect) => {
  test('cookies are Secure when the UI is served over HTTPS', async () => {
    const web = await startTestWeb(dialect, { secureCookies: true });
    try {
      await web.addUser('admin', 'admin');
      const res = await new WebClient(web.url).send('POST', '/login', { form: { username: 'admin', password: 'admin-password!' } });
      assert.match(String(res.headers['set-cookie']), /; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    } finally {
      await web.close();
    }
  });
});
