/**
 * `/system/cdrReceivers` (up to 4 per call bridge, local to it), `/system/cdrReceivers/<id>`, and the
 * deprecated single `/system/cdrReceiver`. Receivers live in the CDR pipeline, which starts, retargets
 * and stops their pushers as they change.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { cdrReceiverParams, MAX_CDR_RECEIVERS, readReceiverUri } from '../../domain/cdrReceiver.ts';
import { bridgeErrors } from '../../errors.ts';
import { readParams } from '../../params.ts';
import type { CdrReceiverView } from '../../cdr/cdrPipeline.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { created, ok, route, xml, type ApiRequest } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';

function receiverElement(r: CdrReceiverView): XmlElement {
  return { tag: 'cdrReceiver', attrs: { id: r.id }, children: r.uri === null ? [] : [['uri', r.uri]] };
}

export function registerCdrReceivers(app: FastifyInstance, ctx: BridgeContext): void {
  const pipeline = ctx.cdrPipeline;

  const create = async ({ body }: ApiRequest) => {
    const uri = readReceiverUri(readParams(body, cdrReceiverParams, 'create'));
    const receiver = await pipeline.createReceiver(uri ?? null);
    return created(`/api/v1/system/cdrReceivers/${receiver.id}`);
  };

  route(app, '/system/cdrReceivers', {
    GET: ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const all = pipeline.listReceivers();
      const items = all.slice(page.offset, page.offset + page.limit).map(receiverElement);
      return Promise.resolve(xml(xmlList('cdrReceivers', all.length, items, { maximum: MAX_CDR_RECEIVERS })));
    },
    POST: create,
    // "use PUT to initially create the CDR receiver but configure the url separately later" [DOC S1]
    PUT: create,
  });

  route(app, '/system/cdrReceivers/:id', {
    GET: ({ params }) => {
      const receiver = pipeline.getReceiver(params['id'] ?? '');
      if (!receiver) throw bridgeErrors.notFound('cdrReceiverDoesNotExist');
      return Promise.resolve(xml(xmlDocument(receiverElement(receiver))));
    },
    PUT: async ({ params, body }) => {
      const id = params['id'] ?? '';
      const uri = readReceiverUri(readParams(body, cdrReceiverParams, 'modify'));
      if (!pipeline.getReceiver(id)) throw bridgeErrors.notFound('cdrReceiverDoesNotExist');
      // An empty uri keeps the receiver (same id, no uri); omitting it changes nothing.
      if (uri !== undefined) await pipeline.updateReceiver(id, uri);
      return ok;
    },
    DELETE: async ({ params }) => {
      await pipeline.deleteReceiver(params['id'] ?? '');
      return ok;
    },
  });

  route(app, '/system/cdrReceiver', {
    GET: () => {
      const legacy = pipeline.legacyReceiver();
      return Promise.resolve(xml(xmlDocument(legacy ? receiverElement(legacy) : { tag: 'cdrReceiver' })));
    },
    PUT: async ({ body }) => {
      const uri = readReceiverUri(readParams(body, cdrReceiverParams, 'modify'));
      // An empty uri removes the legacy receiver; a later uri makes a new one with a new id.
      if (uri !== undefined) await pipeline.setLegacyReceiver(uri);
      return ok;
    },
  });

}
