/**
 * What the web UI hands to every part's routes: the signed-in user, its CSRF token, and page rendering
 * in the common frame.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { can, type Permission } from './auth/roles.ts';
import type { ActiveSession } from './auth/sessions.ts';
import { webErrors } from './errors.ts';
import { FormBody } from './form.ts';
import { locationPath } from './headers.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import { renderPage } from './layout.ts';
import type { NavItem, Placeholder } from './registry.ts';
import type { WebUser } from './storage/userStore.ts';

export interface PageContent {
  readonly title: string;
  readonly body: HtmlValue;
  readonly status?: number;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

/** Fixed notices a redirect can ask for with `?notice=KEY` (never echoes arbitrary text). */
export const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  created: 'Created.',
  deleted: 'Deleted.',
  loggedOut: 'You are logged out.',
};

export class WebKit {
  constructor(
    readonly nav: readonly NavItem[],
    readonly placeholders: readonly Placeholder[],
    readonly clock: Clock,
    readonly logger: Logger,
  ) {}

  session(request: FastifyRequest): ActiveSession | undefined {
    return request.webSession;
  }

  /** The signed-in user (routes behind login only). */
  user(request: FastifyRequest): WebUser {
    const session = request.webSession;
    if (!session) throw webErrors.forbidden();
    return session.user;
  }

  can(request: FastifyRequest, permission: Permission): boolean {
    const session = request.webSession;
    return session !== undefined && can(session.user.role, permission);
  }

  require(request: FastifyRequest, permission: Permission): void {
    if (!this.can(request, permission)) throw webErrors.forbidden();
  }

  form(request: FastifyRequest): FormBody {
    return request.body instanceof FormBody ? request.body : FormBody.empty();
  }

  isHtmx(request: FastifyRequest): boolean {
    return request.headers['hx-request'] === 'true';
  }

  /** A hidden input carrying the CSRF token, for plain forms. */
  csrfField(request: FastifyRequest): SafeHtml {
    return html`<input type="hidden" name="_csrf" value="${request.webSession?.csrfToken ?? ''}">`;
  }

  /** The whole page in the common frame. */
  page(request: FastifyRequest, reply: FastifyReply, content: PageContent): FastifyReply {
    const query = request.query as Record<string, unknown> | undefined;
    const noticeKey = typeof query?.['notice'] === 'string' ? query['notice'] : undefined;
    const session = request.webSession;
    const body = renderPage({
      title: content.title,
      body: content.body,
      currentPath: request.url.split('?')[0] ?? '/',
      user: session?.user,
      csrfToken: session?.csrfToken,
      nav: this.nav,
      notice: content.notice ?? (noticeKey === undefined ? undefined : NOTICES[noticeKey]),
      error: content.error,
    });
    return reply.code(content.status ?? 200).type('text/html; charset=utf-8').send(body.toString());
  }

  /** A fragment (htmx swaps). */
  fragment(reply: FastifyReply, body: HtmlValue, status = 200): FastifyReply {
    return reply.code(status).type('text/html; charset=utf-8').send(html`${body}`.toString());
  }

  /** Post/redirect/get: back to a same-site page, optionally with a fixed notice. */
  redirect(reply: FastifyReply, path: string, notice?: keyof typeof NOTICES): FastifyReply {
    const target = notice === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}notice=${notice}`;
    return reply.code(303).header('location', locationPath(target)).send();
  }
}
