/** The start page: what this installation offers, and what is not running here. */
import type { FastifyInstance } from 'fastify';
import { html } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';

export function registerHome(app: FastifyInstance, kit: WebKit, parts: readonly WebPart[]): void {
  app.get('/', (request, reply) => {
    const visible = parts.filter((part) => part.nav.some((item) => kit.can(request, item.permission)));
    return kit.page(request, reply, {
      title: 'Overview',
      body: html`
<section aria-labelledby="parts-heading">
  <h2 id="parts-heading">What you can do here</h2>
  <ul class="cards">
    ${visible.map(
      (part) => html`<li class="card">
      <h3>${part.nav.filter((i) => kit.can(request, i.permission)).map((item, i) => html`${i > 0 ? ', ' : ''}<a href="${item.href}">${item.label}</a>`)}</h3>
      ${part.summary === undefined ? '' : html`<p>${part.summary}</p>`}
    </li>`,
    )}
  </ul>
</section>
${kit.placeholders.length === 0
  ? ''
  : html`<section aria-labelledby="missing-heading">
  <h2 id="missing-heading">Not available yet</h2>
  <ul>${kit.placeholders.map((p) => html`<li><strong>${p.label}</strong>: ${p.reason}</li>`)}</ul>
</section>`}`,
    });
  });
}
