/** Log in and log out. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../auth/accounts.ts';
import type { Sessions } from '../auth/sessions.ts';
import { normalizeUsername } from '../auth/accounts.ts';
import { LoginThrottle } from '../auth/throttle.ts';
import { ABSOLUTE_LIFETIME_MS } from '../auth/sessions.ts';
import { parseCookies, serializeCookie } from '../cookies.ts';
import { html } from '../html.ts';
import type { WebKit } from '../kit.ts';
import { sameOriginPath } from '../origin.ts';

export const SESSION_COOKIE = 'sb_session';

function loginForm(next: string, username: string): ReturnType<typeof html> {
  return html`<form class="card narrow" method="post" action="/login">
  <input type="hidden" name="next" value="${next}">
  <p><label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${username}" autofocus></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Log in</button></p>
</form>`;
}

export function registerLogin(
  app: FastifyInstance,
  kit: WebKit,
  deps: { accounts: Accounts; sessions: Sessions; secureCookies: boolean | undefined },
): void {
  const secure = (request: FastifyRequest): boolean => deps.secureCookies ?? request.protocol === 'https';
  const throttle = new LoginThrottle(kit.clock);

  app.get('/login', { config: { permission: 'public' } }, (request: FastifyRequest<{ Querystring: { next?: string } }>, reply: FastifyReply) => {
    const next = sameOriginPath(request, request.query.next);
    if (request.webSession) return kit.redirect(reply, next);
    return kit.page(request, reply, { title: 'Log in', body: loginForm(next, '') });
  });

  app.post('/login', { config: { permission: 'public' } }, async (request, reply) => {
    const form = kit.form(request);
    const username = form.get('username');
    const next = sameOriginPath(request, form.get('next'));
    const key = normalizeUsername(username).slice(0, 64);
    // Reserved before the (async) password check, so parallel attempts cannot overrun the limit.
    const attempt = throttle.reserve(key, request.ip);
    if (!attempt) {
      kit.logger.warn({ username: key, client: request.ip }, 'web login throttled');
      reply.header('retry-after', '900');
      return kit.page(request, reply, { title: 'Log in', status: 429, error: 'Too many failed attempts. Wait 15 minutes and try again.', body: loginForm(next, username) });
    }
    const user = username === '' ? undefined : await deps.accounts.authenticate(username, form.getRaw('password'));
    if (!user) {
      kit.logger.info({ username: username.slice(0, 64), client: request.ip }, 'web login failed');
      return kit.page(request, reply, { title: 'Log in', status: 401, error: 'Wrong username or password.', body: loginForm(next, username) });
    }
    throttle.succeeded(attempt);
    // A fresh session on every login (no fixation); the old one, if any, ends.
    await deps.sessions.end(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
    const token = await deps.sessions.start(user.id);
    kit.logger.info({ username: user.username, role: user.role }, 'web login');
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, token, { secure: secure(request), maxAgeSeconds: ABSOLUTE_LIFETIME_MS / 1000 }));
    return kit.redirect(reply, next);
  });

  app.post('/logout', async (request, reply) => {
    await deps.sessions.end(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { secure: secure(request), maxAgeSeconds: 0 }));
    return kit.redirect(reply, '/login', 'loggedOut');
  });
}
