/**
 * The query API under /api/v1 (HTTP Basic auth): calls, call legs, meetings, recordings,
 * streamings, raw records, sessions with gaps and duplicate counts, reports. JSON by default;
 * `?format=csv` streams tables as CSV.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.ts';
import { checkBasicAuth, type BasicCredentials } from '../../shared/http/basicAuth.ts';
import { collectorErrors } from '../errors.ts';
import {
  concurrencyReport,
  disconnectReasonsReport,
  qualityReport,
  reportRange,
  topReport,
  usageReport,
} from '../reports/reports.ts';
import type { CollectorStorage } from '../storage/index.ts';
import { csvStream } from './csv.ts';
import {
  callLegsQuery,
  callsQuery,
  mediaQuery,
  meetingsQuery,
  plainQuery,
  quarantineQuery,
  readQuery,
  recordsQuery,
  reportQuery,
  topQuery,
  usageQuery,
} from './params.ts';
import {
  iso,
  presentCall,
  presentCallLeg,
  presentMedia,
  presentQuarantinedPost,
  presentQuarantineSummary,
  presentRecord,
  presentSession,
} from './present.ts';

/**
 * The largest request body a query API route reads (bytes). Every route is a GET, whose body is
 * never read; a body on any other method is refused past this.
 */
export const API_BODY_LIMIT = 16 * 1024;

export type QueryApiCredentials = BasicCredentials;

export interface QueryApiOptions {
  readonly storage: CollectorStorage;
  readonly clock: Clock;
  readonly credentials: QueryApiCredentials;
}

async function table(reply: FastifyReply, format: 'json' | 'csv', name: string, rows: Record<string, unknown>[] | AsyncIterable<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<unknown> {
  if (format === 'csv') {
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(csvStream(rows));
  }
  let list: Record<string, unknown>[];
  if (Array.isArray(rows)) list = rows;
  else {
    list = [];
    for await (const row of rows) list.push(row);
  }
  return { ...extra, [name]: list };
}

async function* mapAsync<T, U>(source: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of source) yield fn(item);
}

export function registerQueryApi(app: FastifyInstance, prefix: string, options: QueryApiOptions): void {
  const { storage, clock, credentials } = options;
  const q = storage.query;

  void app.register(
    (api, _opts, done) => {
      api.addHook('onRoute', (route) => {
        route.bodyLimit = API_BODY_LIMIT;
      });
      api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!checkBasicAuth(request.headers.authorization, credentials)) {
          void reply.header('www-authenticate', 'Basic realm="switchboard collector"');
          throw collectorErrors.unauthorized();
        }
      });

      api.get('/calls', async (request, reply) => {
        const p = readQuery(callsQuery, request.query);
        const filter = { from: p.from, to: p.to, coSpace: p.coSpace, callBridge: p.callBridge, tenant: p.tenant, cdrTag: p.cdrTag, remoteParty: p.remoteParty, reason: p.reason };
        if (p.format === 'csv') return table(reply, 'csv', 'calls', mapAsync(q.streamCalls(filter), presentCall));
        const { total, calls } = await q.listCalls(filter, p);
        return { total, offset: p.offset, calls: calls.map(presentCall) };
      });

      api.get('/calls/:id', async (request) => {
        readQuery(plainQuery, request.query);
        const { id } = request.params as { id: string };
        const call = await q.getCall(id);
        const legs = await q.legsOfCalls([id]);
        if (!call && legs.length === 0) throw collectorErrors.notFound(`call ${id}`);
        const media = await q.mediaOfCalls([id]);
        const timeline = await q.recordsOfObjects([id, ...legs.map((l) => l.id), ...media.map((m) => m.id)]);
        return {
          call: call ? presentCall(call) : { id, hasStart: false, hasEnd: false },
          callLegs: legs.map((l) => presentCallLeg(l)),
          recordings: media.filter((m) => m.kind === 'recording').map(presentMedia),
          streamings: media.filter((m) => m.kind === 'streaming').map(presentMedia),
          timeline: timeline.map((r) => ({ time: iso(r.timeMs), type: r.type, object: r.objectId, session: r.session, correlatorIndex: r.correlatorIndex, recordIndex: r.recordIndex })),
        };
      });

      api.get('/callLegs', async (request, reply) => {
        const p = readQuery(callLegsQuery, request.query);
        const filter = {
          from: p.from,
          to: p.to,
          callId: p.call,
          coSpace: p.coSpace,
          callBridge: p.callBridge,
          tenant: p.tenant,
          cdrTag: p.cdrTag,
          remoteParty: p.remoteParty,
          reason: p.reason,
          poorQuality: p.quality === 'poor',
        };
        if (p.format === 'csv') return table(reply, 'csv', 'callLegs', mapAsync(q.streamCallLegs(filter), (l) => presentCallLeg(l, true)));
        const { total, callLegs } = await q.listCallLegs(filter, p);
        return { total, offset: p.offset, callLegs: callLegs.map((l) => presentCallLeg(l)) };
      });

      api.get('/callLegs/:id', async (request) => {
        readQuery(plainQuery, request.query);
        const { id } = request.params as { id: string };
        const leg = await q.getCallLeg(id);
        if (!leg) throw collectorErrors.notFound(`call leg ${id}`);
        const records = await q.recordsOfObjects([id]);
        return { callLeg: presentCallLeg(leg), records: records.map((r) => presentRecord(r)) };
      });

      api.get('/meetings', async (request, reply) => {
        const p = readQuery(meetingsQuery, request.query);
        const meetings = await q.listMeetings({ from: p.from, to: p.to }, p.coSpace, p);
        const rows = meetings.map((m) => ({ meeting: m.meetingKey, name: m.name, coSpace: m.coSpace, calls: m.calls, callBridges: m.callBridges, beginTime: iso(m.beginMs), endTime: iso(m.endMs) }));
        return table(reply, p.format, 'meetings', rows);
      });

      api.get('/meetings/:key', async (request) => {
        readQuery(plainQuery, request.query);
        const { key } = request.params as { key: string };
        const { calls } = await q.listCalls({ meetingKey: key }, { limit: 1000, offset: 0 });
        if (calls.length === 0) throw collectorErrors.notFound(`meeting ${key}`);
        const legs = await q.legsOfCalls(calls.map((c) => c.id));
        return {
          meeting: key,
          name: calls.find((c) => c.name !== null)?.name ?? null,
          coSpace: calls.find((c) => c.coSpace !== null)?.coSpace ?? null,
          callBridges: [...new Set(calls.map((c) => c.callBridge))],
          calls: calls.map(presentCall),
          participants: legs.map((l) => ({
            callLeg: l.id,
            call: l.callId,
            callBridge: l.callBridge,
            remoteParty: l.remoteParty,
            displayName: l.displayName,
            direction: l.direction,
            joinTime: iso(l.connectedMs ?? l.startMs ?? l.beginMs),
            leaveTime: iso(l.endMs),
            durationSeconds: l.durationSeconds,
            reason: l.reason,
          })),
        };
      });

      for (const kind of ['recording', 'streaming'] as const) {
        api.get(`/${kind}s`, async (request, reply) => {
          const p = readQuery(mediaQuery, request.query);
          const rows = await q.listMedia(kind, { from: p.from, to: p.to }, p);
          return table(reply, p.format, `${kind}s`, rows.map(presentMedia));
        });
      }

      api.get('/records', async (request, reply) => {
        const p = readQuery(recordsQuery, request.query);
        const rows = await q.listRecords({ session: p.session, type: p.type, fromIndex: p.fromIndex, toIndex: p.toIndex }, p);
        return table(reply, p.format, 'records', rows.map((r) => presentRecord(r)));
      });

      api.get('/sessions', async (request, reply) => {
        const p = readQuery(plainQuery, request.query);
        const [sessions, gaps] = [await q.listSessions(), await q.gaps()];
        const rows = sessions.map((s) => {
          const own = gaps.filter((g) => g.session === s.session);
          return { ...presentSession(s), gaps: own.length, missingRecords: own.reduce((n, g) => n + g.count, 0) };
        });
        return table(reply, p.format, 'sessions', rows);
      });

      api.get('/sessions/:session', async (request) => {
        readQuery(plainQuery, request.query);
        const { session } = request.params as { session: string };
        const row = await q.getSession(session);
        if (!row) throw collectorErrors.notFound(`session ${session}`);
        const gaps = await q.gaps(session);
        return { ...presentSession(row), gaps: gaps.map(({ session: _s, ...g }) => g), missingRecords: gaps.reduce((n, g) => n + g.count, 0) };
      });

      api.get('/sessions/:session/records/:index', async (request) => {
        readQuery(plainQuery, request.query);
        const { session, index } = request.params as { session: string; index: string };
        if (!/^\d{1,15}$/.test(index)) throw collectorErrors.invalidParameter([{ path: 'index', message: 'expected a whole number' }]);
        const record = await q.getRecord(session, Number(index));
        if (!record) throw collectorErrors.notFound(`record ${index} of session ${session}`);
        return { record: presentRecord(record) };
      });

      api.get('/gaps', async (request, reply) => {
        const p = readQuery(plainQuery, request.query);
        return table(reply, p.format, 'gaps', (await q.gaps()).map((g) => ({ ...g })));
      });

      api.get('/reports/usage', async (request, reply) => {
        const p = readQuery(usageQuery, request.query);
        const range = reportRange(clock.now(), p.from, p.to);
        return table(reply, p.format, 'usage', await usageReport(storage.reports, p.groupBy, range), { from: iso(range.from), to: iso(range.to), groupBy: p.groupBy });
      });

      api.get('/reports/top', async (request, reply) => {
        const p = readQuery(topQuery, request.query);
        const range = reportRange(clock.now(), p.from, p.to);
        return table(reply, p.format, 'top', await topReport(storage.reports, p.by, range, p.limit), { from: iso(range.from), to: iso(range.to), by: p.by });
      });

      api.get('/reports/concurrency', async (request, reply) => {
        const p = readQuery(reportQuery, request.query);
        const range = reportRange(clock.now(), p.from, p.to);
        const hours = await concurrencyReport(storage.reports, range);
        const peak = (key: string): number => hours.reduce((m, h) => Math.max(m, Number(h[key])), 0);
        return table(reply, p.format, 'hours', hours, { from: iso(range.from), to: iso(range.to), peakCallLegs: peak('peakCallLegs'), peakCalls: peak('peakCalls') });
      });

      api.get('/reports/disconnectReasons', async (request, reply) => {
        const p = readQuery(reportQuery, request.query);
        const range = reportRange(clock.now(), p.from, p.to);
        return table(reply, p.format, 'reasons', await disconnectReasonsReport(storage.reports, range), { from: iso(range.from), to: iso(range.to) });
      });

      api.get('/reports/quality', async (request, reply) => {
        const p = readQuery(reportQuery, request.query);
        const range = reportRange(clock.now(), p.from, p.to);
        return table(reply, p.format, 'days', await qualityReport(storage.reports, range), { from: iso(range.from), to: iso(range.to) });
      });

      api.get('/quarantine', async (request, reply) => {
        const p = readQuery(quarantineQuery, request.query);
        const { total, posts } = await storage.quarantine.list(p);
        const rows = posts.map(presentQuarantineSummary);
        if (p.format === 'csv') return table(reply, 'csv', 'quarantine', rows);
        return { total, offset: p.offset, quarantine: rows };
      });

      api.get('/quarantine/:id', async (request) => {
        readQuery(plainQuery, request.query);
        const { id } = request.params as { id: string };
        const post = /^\d{1,15}$/.test(id) ? await storage.quarantine.get(Number(id)) : undefined;
        if (!post) throw collectorErrors.notFound(`quarantined post ${id}`);
        return { post: presentQuarantinedPost(post) };
      });

      api.get('/status', async (request) => {
        readQuery(plainQuery, request.query);
        const sessions = await q.listSessions();
        return {
          records: await q.countRecords(),
          sessions: sessions.length,
          duplicates: sessions.reduce((n, s) => n + s.duplicates, 0),
          quarantined: await storage.quarantine.count(),
          database: storage.dialect,
        };
      });

      done();
    },
    { prefix },
  );
}
