/**
 * `/system/alarms`: active system alarm conditions. Today the only source is CDR delivery
 * (`cdrConnectionFailure` while a receiver's posts fail, with the `failureReason` of the last failure).
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { route, xml } from '../routes.ts';
import { xmlList, type XmlElement } from '../xml.ts';

export function registerSystemAlarms(app: FastifyInstance, ctx: BridgeContext): void {
  const pipeline = ctx.cdrPipeline;
  route(app, '/system/alarms', {
    GET: ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const now = ctx.clock.now();
      const all = pipeline.alarms();
      const items: XmlElement[] = all.slice(page.offset, page.offset + page.limit).map((a) => ({
        tag: 'alarm',
        attrs: { id: a.id },
        children: [
          ['type', 'cdrConnectionFailure'],
          ['activeTimeSeconds', Math.max(0, Math.floor((now - a.sinceMs) / 1000))],
          ['failureReason', a.failureReason],
        ],
      }));
      return Promise.resolve(xml(xmlList('alarms', all.length, items)));
    },
  });
}
