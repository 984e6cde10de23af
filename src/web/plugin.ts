/**
 * The `webUi` Fastify plugin every service can mount: login with sessions in the database, CSRF
 * protection on every unsafe request, role checks declared per route, the common page frame, locally
 * served htmx and CSS, and the pages registered in a PageRegistry.
 *
 * Routes declare who may use them with `config: { permission }` ('view' when omitted; 'public' for
 * the login page and assets).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.ts';
import { createErrorHandler } from '../shared/http/errorHandler.ts';
import type { Logger } from '../shared/logger.ts';
import { Accounts } from './auth/accounts.ts';
import { can, type Permission } from './auth/roles.ts';
import { csrfTokenMatches, Sessions, type ActiveSession } from './auth/sessions.ts';
import { parseCookies } from './cookies.ts';
import { WebError, webErrors } from './errors.ts';
import { FormBody, MAX_FORM_BYTES } from './form.ts';
import { html } from './html.ts';
import { WebKit } from './kit.ts';
import { isSameOrigin } from './origin.ts';
import { registerHome } from './pages/home.ts';
import { registerLogin, SESSION_COOKIE } from './pages/login.ts';
import { usersPart } from './pages/users.ts';
import type { PageRegistry } from './registry.ts';
import type { WebStorage } from './storage/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    webSession: ActiveSession | undefined;
  }
  interface FastifyContextConfig {
    permission?: Permission | 'public';
  }
}

export interface WebUiOptions {
  readonly storage: WebStorage;
  readonly registry: PageRegistry;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Mark cookies Secure. Default: when the request arrived over HTTPS. */
  readonly secureCookies?: boolean;
}

const require = createRequire(import.meta.url);
const HTMX = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'));
const STYLE = readFileSync(new URL('./assets/style.css', import.meta.url));

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * An unsafe request whose Origin is not exactly this server's origin (scheme, host and port; `null`
 * included) is refused, whatever else it carries. Without an Origin header the CSRF token decides.
 */
function crossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  return origin !== undefined && !isSameOrigin(request, origin);
}

export const webUi: FastifyPluginAsync<WebUiOptions> = async (app: FastifyInstance, options) => {
  const clock = options.clock ?? systemClock;
  const sessions = new Sessions(options.storage, clock);
  const accounts = new Accounts(options.storage, () => clock.now());
  const parts = [usersPart(accounts), ...options.registry.parts];
  const nav = parts.flatMap((p) => p.nav).sort((a, b) => a.order - b.order);
  const kit = new WebKit(nav, options.registry.placeholders, clock, options.logger);

  app.decorateRequest('webSession', undefined);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_request, body, done) => {
    done(null, FormBody.parse(typeof body === 'string' ? body : body.toString('utf8')));
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (!request.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
  });

  // Who is asking: the session named by the cookie, if any.
  app.addHook('onRequest', async (request) => {
    request.webSession = await sessions.resolve(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
  });

  // Login, CSRF and role checks, after the body is parsed (the token may come as a form field).
  app.addHook('preHandler', async (request, reply) => {
    const permission = request.routeOptions.config.permission ?? 'view';
    const unsafe = !SAFE_METHODS.has(request.method);
    if (unsafe && crossOrigin(request)) throw webErrors.csrfFailed();
    if (permission === 'public') return;
    const session = request.webSession;
    if (!session) {
      if (kit.isHtmx(request)) {
        await reply.code(401).header('hx-redirect', '/login').send();
        return;
      }
      if (request.method === 'GET') {
        await reply.code(303).header('location', `/login?next=${encodeURIComponent(request.url)}`).send();
        return;
      }
      throw new WebError(401, 'notLoggedIn', 'Log in first.');
    }
    if (unsafe) {
      const header = request.headers['x-csrf-token'];
      const given = typeof header === 'string' ? header : request.body instanceof FormBody ? request.body.getRaw('_csrf') : undefined;
      if (!csrfTokenMatches(session.csrfToken, given)) throw webErrors.csrfFailed();
    }
    if (!can(session.user.role, permission)) throw webErrors.forbidden();
  });

  app.setErrorHandler(
    createErrorHandler({
      logger: options.logger,
      logMessage: 'web UI failure',
      owns: (error): error is WebError => error instanceof WebError,
      fromFramework: (failure) =>
        failure.kind === 'bodyTooLarge' ? webErrors.tooLarge() : new WebError(failure.status, 'badRequest', 'The request could not be understood.'),
      internal: () => new WebError(500, 'internal', 'Something went wrong on our side. It has been logged.'),
      send: (failure, request, reply) => {
        if (failure.status >= 500) reply.header('retry-after', '5');
        if (kit.isHtmx(request)) return kit.fragment(reply, html`<p class="error" role="alert">${failure.message}</p>`, failure.status);
        return kit.page(request, reply, {
          title: failure.status === 404 ? 'Not found' : failure.status === 403 ? 'Not allowed' : 'Something is wrong',
          status: failure.status,
          error: failure.message,
          body: html`<p><a href="/">Back to the start page</a></p>`,
        });
      },
    }),
  );

  app.setNotFoundHandler((request, reply) =>
    kit.page(request, reply, { title: 'Not found', status: 404, error: 'No such page.', body: html`<p><a href="/">Back to the start page</a></p>` }),
  );

  app.get('/assets/htmx.min.js', { config: { permission: 'public' } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(HTMX),
  );
  app.get('/assets/style.css', { config: { permission: 'public' } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLE),
  );

  registerLogin(app, kit, { accounts, sessions, secureCookies: options.secureCookies });
  registerHome(app, kit, parts);
  for (const part of parts) await part.register(app, kit);
};
