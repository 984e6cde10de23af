/**
 * Reports from the CDR collector: usage per day and peak concurrency as server-rendered SVG charts
 * (with the numbers in tables), disconnect reasons, quality alarms, calls with a call's timeline and
 * legs; every table downloads as CSV.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { barChart, stepChart } from '../charts.ts';
import { columnsOf, toCsv } from '../../shared/csv.ts';
import { webErrors } from '../errors.ts';
import { attachment } from '../headers.ts';
import { html, type HtmlValue, type SafeHtml } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';
import { rowsOf, str, type CollectorApi, type CollectorRow } from './collectorApi.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 7;
/** Quarantined posts per page, and how much of one body the page shows. */
const QUARANTINE_PAGE = 50;
const QUARANTINE_SHOWN_CHARS = 20_000;

function readOffset(query: unknown): number {
  const value = (query ?? {}) as Record<string, unknown>;
  const offset = value['offset'];
  if (offset === undefined || offset === '') return 0;
  if (typeof offset !== 'string' || !/^\d{1,9}$/.test(offset)) throw webErrors.invalidField('offset', 'Offset is a whole number.');
  return Number(offset);
}

interface DateRange {
  /** YYYY-MM-DD, inclusive, UTC days (the collector's buckets are UTC days). */
  readonly from: string;
  readonly to: string;
  readonly fromIso: string;
  readonly toIso: string;
}

function readRange(query: unknown, nowMs: number): DateRange {
  const q = (query ?? {}) as Record<string, unknown>;
  const today = DateTime.fromMillis(nowMs, { zone: 'utc' }).toISODate() ?? '';
  const to = typeof q['to'] === 'string' && q['to'] !== '' ? q['to'] : today;
  const from = typeof q['from'] === 'string' && q['from'] !== '' ? q['from'] : (DateTime.fromISO(to, { zone: 'utc' }).minus({ days: DEFAULT_DAYS - 1 }).toISODate() ?? '');
  if (!DATE_RE.test(from) || !DateTime.fromISO(from).isValid) throw webErrors.invalidField('from', 'From is a date, YYYY-MM-DD.');
  if (!DATE_RE.test(to) || !DateTime.fromISO(to).isValid) throw webErrors.invalidField('to', 'To is a date, YYYY-MM-DD.');
  if (from > to) throw webErrors.invalidField('from', 'From comes before To.');
  const end = DateTime.fromISO(to, { zone: 'utc' }).plus({ days: 1 });
  if (end.diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days > 400) throw webErrors.invalidField('from', 'A report covers at most 400 days.');
  return { from, to, fromIso: `${from}T00:00:00Z`, toIso: end.toISO({ suppressMilliseconds: true }) ?? '' };
}

function rangeQuery(range: DateRange): string {
  return `from=${range.from}&to=${range.to}`;
}

/** The report tables, by the name their CSV download uses. */
const TABLES = {
  usage: { path: '/reports/usage', list: 'usage', query: { groupBy: 'coSpace' } },
  concurrency: { path: '/reports/concurrency', list: 'hours', query: {} },
  disconnectReasons: { path: '/reports/disconnectReasons', list: 'reasons', query: {} },
  quality: { path: '/reports/quality', list: 'days', query: {} },
  calls: { path: '/calls', list: 'calls', query: { limit: '1000' } },
} as const;

type TableName = keyof typeof TABLES;

async function fetchTable(api: CollectorApi, name: TableName, range: DateRange): Promise<CollectorRow[]> {
  const t = TABLES[name];
  return rowsOf(await api.get(t.path, { from: range.fromIso, to: range.toIso, ...t.query }), t.list);
}

function dataTable(caption: string, rows: readonly CollectorRow[], columns: readonly string[], csvHref: string, cell?: (row: CollectorRow, column: string) => HtmlValue): SafeHtml {
  return html`<table>
  <caption>${caption} <a class="csv" href="${csvHref}" download>Download CSV<span class="visually-hidden"> of ${caption}</span></a></caption>
  <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
  <tbody>${rows.length === 0
    ? html`<tr><td colspan="${columns.length}" class="muted">Nothing in this range.</td></tr>`
    : rows.map((r) => html`<tr>${columns.map((c) => html`<td${typeof r[c] === 'number' ? html` class="num"` : ''}>${cell ? cell(r, c) : str(r[c])}</td>`)}</tr>`)}</tbody>
</table>`;
}

/** Minutes per day over the whole range (usage rows are per day and space). */
function minutesPerDay(usage: readonly CollectorRow[], range: DateRange): Array<{ label: string; value: number }> {
  const byDay = new Map<string, number>();
  for (let d = DateTime.fromISO(range.from, { zone: 'utc' }); (d.toISODate() ?? '') <= range.to; d = d.plus({ days: 1 })) byDay.set(d.toISODate() ?? '', 0);
  for (const row of usage) {
    const day = str(row['day']);
    byDay.set(day, (byDay.get(day) ?? 0) + Number(row['minutes'] ?? 0));
  }
  return [...byDay].map(([label, value]) => ({ label, value: Math.round(value * 10) / 10 }));
}

function rangeForm(range: DateRange, action: string): SafeHtml {
  return html`<form method="get" action="${action}" class="inline range">
  <label for="from">From</label><input id="from" name="from" type="date" value="${range.from}">
  <label for="to">To</label><input id="to" name="to" type="date" value="${range.to}">
  <button type="submit">Show</button>
</form>`;
}

function callLink(row: CollectorRow, column: string): HtmlValue {
  const value = str(row[column]);
  if (column === 'name' || column === 'id') return html`<a href="/reports/calls/${str(row['id'])}">${value || '(unnamed)'}</a>`;
  return value;
}

export function reportsPart(api: CollectorApi): WebPart {
  return {
    name: 'reports',
    summary: 'Usage, peak concurrency, disconnect reasons, quality and every call, from the CDR collector.',
    nav: [{ href: '/reports', label: 'Reports', permission: 'view', order: 40 }],
    register(app: FastifyInstance, kit: WebKit) {
      app.get('/reports', async (request, reply) => {
        const range = readRange(request.query, kit.clock.now());
        const [usage, hours, reasons, quality, calls, quarantined] = await Promise.all([
          fetchTable(api, 'usage', range),
          fetchTable(api, 'concurrency', range),
          fetchTable(api, 'disconnectReasons', range),
          fetchTable(api, 'quality', range),
          fetchTable(api, 'calls', range),
          api.get('/quarantine', { limit: '1' }).then((doc) => Number(doc['total'] ?? 0)),
        ]);
        const perDay = minutesPerDay(usage, range);
        const rq = rangeQuery(range);
        const peaks = hours.map((h) => ({ label: str(h['hour']).slice(5, 13).replace('T', ' '), value: Number(h['peakCallLegs'] ?? 0) }));
        const callColumns = ['name', 'coSpace', 'startTime', 'endTime', 'durationSeconds', 'callLegsCompleted', 'callLegsMaxActive', 'callBridge'];
        return kit.page(request, reply, {
          title: 'Reports',
          body: html`
${rangeForm(range, '/reports')}
<section aria-labelledby="usage-h"><h2 id="usage-h">Usage per day</h2>
${barChart('Call leg minutes per day', perDay, 'min')}
${dataTable('Minutes per day and space', usage, usage.length > 0 ? columnsOf(usage) : ['day', 'coSpace', 'name', 'minutes', 'callLegs'], `/reports/csv/usage?${rq}`)}
</section>
<section aria-labelledby="peak-h"><h2 id="peak-h">Peak concurrency</h2>
${stepChart('Peak concurrent call legs per hour', peaks, 'legs')}
<p>Highest: <strong>${Math.max(0, ...peaks.map((p) => p.value))}</strong> concurrent call legs. <a href="/reports/csv/concurrency?${rq}" download>Download CSV of hourly peaks</a></p>
</section>
<section aria-labelledby="reasons-h"><h2 id="reasons-h">Disconnect reasons</h2>
${dataTable('Call legs per disconnect reason', reasons, ['reason', 'remoteTeardown', 'callLegs'], `/reports/csv/disconnectReasons?${rq}`)}
</section>
<section aria-labelledby="quality-h"><h2 id="quality-h">Quality alarms</h2>
${dataTable('Call legs with alarms per day', quality, quality.length > 0 ? columnsOf(quality) : ['day', 'callLegs', 'withAlarms', 'withPacketLoss'], `/reports/csv/quality?${rq}`)}
</section>
<section aria-labelledby="calls-h"><h2 id="calls-h">Calls</h2>
${dataTable(`Calls (${calls.length})`, calls, callColumns, `/reports/csv/calls?${rq}`, callLink)}
</section>
<section aria-labelledby="quarantine-h"><h2 id="quarantine-h">Quarantined CDR posts</h2>
<p>${quarantined === 0
  ? 'None: every CDR post received could be stored.'
  : html`<strong>${quarantined}</strong> CDR ${quarantined === 1 ? 'post' : 'posts'} could not be used and ${quarantined === 1 ? 'was' : 'were'} kept aside. <a href="/reports/quarantine">See them</a>`}</p>
</section>`,
        });
      });

      app.get('/reports/quarantine', async (request, reply) => {
        const offset = readOffset(request.query);
        const doc = await api.get('/quarantine', { limit: String(QUARANTINE_PAGE), offset: String(offset) });
        const rows = rowsOf(doc, 'quarantine');
        const total = Number(doc['total'] ?? 0);
        const columns = ['id', 'receivedTime', 'code', 'reason', 'session', 'source', 'remoteAddress', 'size'];
        const pager = html`<p>${offset > 0 ? html`<a href="/reports/quarantine?offset=${Math.max(0, offset - QUARANTINE_PAGE)}">Newer</a> ` : ''}${offset + rows.length < total ? html`<a href="/reports/quarantine?offset=${offset + QUARANTINE_PAGE}">Older</a>` : ''}</p>`;
        return kit.page(request, reply, {
          title: 'Quarantined CDR posts',
          body: html`<p>CDR posts the collector received complete but could not use (malformed XML, no session, a record without type or index, a value the database refused). Each was acknowledged so the call bridge moved on, and is kept here byte for byte with the reason; nothing else of it was stored.</p>
<table>
  <caption>Quarantined posts (${total}), newest first</caption>
  <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
  <tbody>${rows.length === 0
    ? html`<tr><td colspan="${columns.length}" class="muted">None.</td></tr>`
    : rows.map((r) => html`<tr>${columns.map((c) => html`<td>${c === 'id' ? html`<a href="/reports/quarantine/${str(r['id'])}">${str(r['id'])}</a>` : str(r[c])}</td>`)}</tr>`)}</tbody>
</table>
${pager}
<p><a href="/reports">Back to reports</a></p>`,
        });
      });

      app.get('/reports/quarantine/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const id = request.params.id;
        if (!/^\d{1,15}$/.test(id)) throw webErrors.notFound('quarantined post');
        const post = (await api.get(`/quarantine/${id}`))['post'] as CollectorRow | undefined;
        if (!post) throw webErrors.notFound('quarantined post');
        const body = post['body'];
        return kit.page(request, reply, {
          title: `Quarantined CDR post ${id}`,
          body: html`<dl class="facts">
  <dt>Received</dt><dd>${str(post['receivedTime'])}</dd>
  <dt>Reason</dt><dd>${str(post['code'])}: ${str(post['reason'])}</dd>
  <dt>Session</dt><dd>${str(post['session'])}</dd>
  <dt>Source</dt><dd>${str(post['source'])}</dd>
  <dt>From</dt><dd>${str(post['remoteAddress'])}</dd>
  <dt>Size</dt><dd>${str(post['size'])} bytes</dd>
</dl>
<h2>Body</h2>
${typeof body === 'string'
  ? html`<pre class="raw">${body.length > QUARANTINE_SHOWN_CHARS ? `${body.slice(0, QUARANTINE_SHOWN_CHARS)}\n… (${body.length - QUARANTINE_SHOWN_CHARS} more characters: the collector API's /quarantine/${id} has all of it)` : body}</pre>`
  : html`<p>The body is not UTF-8 text; the collector API's <code>/api/v1/quarantine/${id}</code> has it in base64.</p>`}
<p><a href="/reports/quarantine">Back to quarantined posts</a></p>`,
        });
      });

      app.get('/reports/csv/:table', async (request: FastifyRequest<{ Params: { table: string } }>, reply: FastifyReply) => {
        const name = request.params.table;
        if (!Object.hasOwn(TABLES, name)) throw webErrors.notFound('report');
        const range = readRange(request.query, kit.clock.now());
        const rows = await fetchTable(api, name as TableName, range);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', attachment(`${name}-${range.from}-${range.to}.csv`))
          .send(toCsv(columnsOf(rows), rows));
      });

      app.get('/reports/calls/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const id = request.params.id;
        if (!/^[0-9a-zA-Z-]{1,64}$/.test(id)) throw webErrors.notFound('call');
        const doc = await api.get(`/calls/${id}`);
        const call = (doc['call'] ?? {}) as CollectorRow;
        const legs = rowsOf(doc, 'callLegs');
        const timeline = rowsOf(doc, 'timeline');
        const csv = (q: string): string => `/reports/calls/${id}/csv?part=${q}`;
        return kit.page(request, reply, {
          title: `Call ${str(call['name']) || id}`,
          body: html`
<dl class="facts">
  <dt>Space</dt><dd>${str(call['coSpace'])}</dd>
  <dt>Started</dt><dd>${str(call['startTime'])}</dd>
  <dt>Ended</dt><dd>${str(call['endTime'])}</dd>
  <dt>Duration</dt><dd>${str(call['durationSeconds'])} s</dd>
  <dt>Call bridge</dt><dd>${str(call['callBridge'])}</dd>
</dl>
<section aria-labelledby="legs-h"><h2 id="legs-h">Call legs</h2>
${dataTable(`Call legs (${legs.length})`, legs, ['remoteParty', 'displayName', 'direction', 'startTime', 'connectedTime', 'endTime', 'durationSeconds', 'reason', 'remoteTeardown', 'alarmCount'], csv('callLegs'))}
</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
${dataTable(`Records of this call in order (${timeline.length})`, timeline, ['time', 'type', 'object', 'correlatorIndex'], csv('timeline'), (row, column) =>
  column === 'object' ? (legs.find((l) => l['id'] === row['object']) ? html`leg ${str(legs.find((l) => l['id'] === row['object'])?.['remoteParty'])}` : str(row['object'])) : str(row[column]),
)}
</section>
<p><a href="/reports">Back to reports</a></p>`,
        });
      });

      app.get('/reports/calls/:id/csv', async (request: FastifyRequest<{ Params: { id: string }; Querystring: { part?: string } }>, reply) => {
        const id = request.params.id;
        const part = request.query.part === 'timeline' ? 'timeline' : 'callLegs';
        if (!/^[0-9a-zA-Z-]{1,64}$/.test(id)) throw webErrors.notFound('call');
        const rows = rowsOf(await api.get(`/calls/${id}`), part);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', attachment(`call-${id}-${part}.csv`)).send(toCsv(columnsOf(rows), rows));
      });
    },
  };
}
