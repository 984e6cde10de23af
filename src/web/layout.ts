/** The page frame: landmarks, skip link, navigation for the user's role, the CSRF token for htmx. */
import { can } from './auth/roles.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';
import type { NavItem } from './registry.ts';
import type { WebUser } from './storage/userStore.ts';

export interface PageFrame {
  readonly title: string;
  readonly body: HtmlValue;
  /** Path of the current page, to mark the active navigation item. */
  readonly currentPath?: string;
  readonly user?: WebUser | undefined;
  readonly csrfToken?: string | undefined;
  readonly nav?: readonly NavItem[];
  /** A status message shown at the top of main (role="status"). */
  readonly notice?: string | undefined;
  /** An error message shown at the top of main (role="alert"). */
  readonly error?: string | undefined;
}

export const APP_NAME = 'Switchboard';

// htmx must not inject its own <style> element (our CSP allows only same-origin stylesheets).
// 4xx answers carry a readable error in the swapped content, so they are swapped too.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  historyCacheSize: 0,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '4..', swap: true, error: true },
    { code: '...', swap: false, error: true },
  ],
});

function isActive(item: NavItem, currentPath: string | undefined): boolean {
  if (currentPath === undefined) return false;
  return item.href === '/' ? currentPath === '/' : currentPath === item.href || currentPath.startsWith(`${item.href}/`);
}

export function renderPage(frame: PageFrame): SafeHtml {
  const user = frame.user;
  const items = user ? (frame.nav ?? []).filter((item) => can(user.role, item.permission)) : [];
  const hxHeaders = frame.csrfToken === undefined ? undefined : JSON.stringify({ 'x-csrf-token': frame.csrfToken });
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${frame.title} · ${APP_NAME}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/htmx.min.js" defer></script>
</head>
<body${hxHeaders === undefined ? '' : html` hx-headers="${hxHeaders}"`}>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
  <a class="brand" href="/">${APP_NAME}</a>
  ${items.length > 0
    ? html`<nav aria-label="Main"><ul>${items.map(
        (item) => html`<li><a href="${item.href}"${isActive(item, frame.currentPath) ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
      )}</ul></nav>`
    : ''}
  ${user
    ? html`<form class="session" method="post" action="/logout">
    <span class="who">${user.username} <span class="role">(${user.role})</span></span>
    <input type="hidden" name="_csrf" value="${frame.csrfToken ?? ''}">
    <button type="submit">Log out</button>
  </form>`
    : ''}
</header>
<main id="main" tabindex="-1">
<h1>${frame.title}</h1>
${frame.notice !== undefined ? html`<p class="notice" role="status">${frame.notice}</p>` : ''}
${frame.error !== undefined ? html`<p class="error" role="alert">${frame.error}</p>` : ''}
${frame.body}
</main>
<footer class="site-footer"><p>${APP_NAME} — video meetings on CMS-style bridges</p></footer>
</body>
</html>
`;
}
