/**
 * Bookings: a week/day calendar of occurrences; a form to book (title, time with time zone,
 * recurrence in plain words, PIN, participants typed or picked from the phone book); a booking's page
 * with its occurrences — edit one or all, cancel, extend a live meeting, end it — and its .ics.
 *
 * The pages use the scheduler's own booking service (structurally typed as `BookingsBackend` here, so
 * this module does not depend on the scheduler's internals beyond the booking model).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
// eslint-disable-next-line no-restricted-imports -- issue 14 step 4: the scheduler's booking API types belong in a scheduler client (src/clients/scheduler/) not written yet
import type { BookingSeries, Occurrence } from '../../scheduler/bookings/types.ts';
import { WebError, webErrors } from '../errors.ts';
import { attachment } from '../headers.ts';
import { html, type SafeHtml } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';
import { calendarWindow, renderCalendar, type CalendarView } from './calendar.ts';
import { describeRecurrence, recurrenceFromForm, REPEAT_CHOICES } from './recurrence.ts';

export interface OccurrenceSummary {
  readonly occurrence: number;
  /** ISO instants. */
  readonly start: string;
  readonly end: string;
  readonly title: string;
  readonly state: string;
  readonly error?: string | null;
  readonly participants: ReadonlyArray<{ readonly uri: string; readonly mode: string; readonly name?: string | undefined; readonly dialState?: string | undefined; readonly connected?: boolean | null }>;
}

export interface BookingSummary extends BookingSeries {
  readonly occurrences: readonly OccurrenceSummary[];
}

/** What the pages need from the scheduler's booking service. */
export interface BookingsBackend {
  list(): Promise<readonly BookingSummary[]>;
  get(id: string): Promise<BookingSummary>;
  create(body: unknown): Promise<BookingSummary>;
  patch(id: string, body: unknown): Promise<BookingSummary>;
  patchOccurrence(id: string, occurrence: number, body: unknown): Promise<unknown>;
  removeOccurrence(id: string, occurrence: number): Promise<unknown>;
  remove(id: string): Promise<void>;
  extend(id: string, occurrence: number, minutes: unknown): Promise<unknown>;
  endNow(id: string, occurrence: number): Promise<unknown>;
  /** The booking's iCalendar text; without `withPin`, no PIN appears in it. */
  ics(id: string, options: { readonly withPin: boolean }): Promise<string>;
}

export const TIME_ZONES = ['UTC', 'Europe/London', 'Europe/Oslo', 'Europe/Berlin', 'Europe/Paris', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney'];

/** A scheduler error (status, message, issue details) as the page's error. */
function asWebError(error: unknown): WebError | undefined {
  if (error instanceof WebError) return error;
  if (error instanceof Error && typeof (error as { status?: unknown }).status === 'number') {
    const status = (error as unknown as { status: number }).status;
    if (status >= 500) return undefined;
    const details = (error as { details?: unknown }).details;
    const issues = Array.isArray(details)
      ? details
          .map((d: unknown) => {
            if (typeof d !== 'object' || d === null) return '';
            const { path, message } = d as { path?: unknown; message?: unknown };
            return typeof message === 'string' ? `${typeof path === 'string' ? path : ''}: ${message}` : '';
          })
          .filter((s) => s !== '')
      : [];
    return new WebError(status, 'scheduler', issues.length > 0 ? `${error.message}: ${issues.join('; ')}` : error.message);
  }
  return undefined;
}

function toOccurrence(b: BookingSummary, o: OccurrenceSummary): Occurrence {
  return {
    bookingId: b.id,
    occurrence: o.occurrence,
    startMs: Date.parse(o.start),
    endMs: Date.parse(o.end),
    title: o.title,
    participants: [],
    pin: undefined,
    type: b.type,
    bridge: undefined,
  };
}

interface BookingFormValues {
  title: string;
  organizer: string;
  date: string;
  start: string;
  end: string;
  timeZone: string;
  repeat: string;
  count: string;
  until: string;
  rrule: string;
  pin: string;
  participants: string;
}

function formValues(kit: WebKit, request: FastifyRequest): BookingFormValues {
  const f = kit.form(request);
  return {
    title: f.get('title'),
    organizer: f.get('organizer'),
    date: f.get('date'),
    start: f.get('start'),
    end: f.get('end'),
    timeZone: f.get('timeZone'),
    repeat: f.get('repeat'),
    count: f.get('count'),
    until: f.get('until'),
    rrule: f.get('rrule'),
    pin: f.get('pin'),
    participants: f.getRaw('participants'),
  };
}

/** Participants: one per line, `uri` or `Name <uri>`; `dial-in:` prefix = invitee who dials in. */
export function parseParticipants(text: string): Array<{ uri: string; mode: 'dialOut' | 'dialIn'; name?: string }> {
  const out: Array<{ uri: string; mode: 'dialOut' | 'dialIn'; name?: string }> = [];
  for (const line of text.split(/\r?\n|,/)) {
    let item = line.trim();
    if (item === '') continue;
    let mode: 'dialOut' | 'dialIn' = 'dialOut';
    if (/^dial-in:/i.test(item)) {
      mode = 'dialIn';
      item = item.slice('dial-in:'.length).trim();
    }
    const named = /^(.*?)\s*<([^>]+)>$/.exec(item);
    if (named) out.push({ uri: (named[2] ?? '').trim(), mode, ...(named[1] ? { name: named[1] } : {}) });
    else out.push({ uri: item, mode });
  }
  return out;
}

function bookingBody(v: BookingFormValues): Record<string, unknown> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date)) throw webErrors.invalidField('date', 'Give the date as YYYY-MM-DD.');
  if (!/^\d{2}:\d{2}$/.test(v.start)) throw webErrors.invalidField('start', 'Give the start time as HH:MM.');
  if (!/^\d{2}:\d{2}$/.test(v.end)) throw webErrors.invalidField('end', 'Give the end time as HH:MM.');
  const start = `${v.date}T${v.start}`;
  // An end before the start is on the next day (a meeting across midnight).
  const endDate = v.end <= v.start ? (DateTime.fromISO(v.date).plus({ days: 1 }).toISODate() ?? v.date) : v.date;
  const recurrence = recurrenceFromForm({ repeat: v.repeat, rrule: v.rrule, count: v.count, until: v.until }, start);
  return {
    title: v.title,
    organizer: v.organizer,
    start,
    end: `${endDate}T${v.end}`,
    timeZone: v.timeZone || 'UTC',
    ...(recurrence === undefined ? {} : { recurrence }),
    ...(v.pin === '' ? {} : { pin: v.pin }),
    participants: parseParticipants(v.participants),
  };
}

function phoneBook(bookings: readonly BookingSummary[]): string[] {
  const seen = new Set<string>();
  for (const b of bookings) for (const p of b.participants) seen.add(p.name === undefined ? p.uri : `${p.name} <${p.uri}>`);
  return [...seen].sort();
}

function select(id: string, name: string, options: ReadonlyArray<readonly [string, string]>, selected: string): SafeHtml {
  return html`<select id="${id}" name="${name}">${options.map(([value, label]) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`)}</select>`;
}

function bookingForm(kit: WebKit, request: FastifyRequest, v: BookingFormValues, book: readonly string[], failure?: WebError): SafeHtml {
  const invalid = (field: string): SafeHtml | '' => (failure?.field === field ? html` aria-invalid="true"` : '');
  return html`<form method="post" action="/bookings" class="card booking-form">${kit.csrfField(request)}
  <p><label for="title">Title</label><input id="title" name="title" required maxlength="200" size="40" value="${v.title}"${invalid('title')}></p>
  <p><label for="organizer">Organizer e-mail</label><input id="organizer" name="organizer" type="email" required value="${v.organizer}"></p>
  <fieldset><legend>When</legend>
    <p><label for="date">Date</label><input id="date" name="date" type="date" required value="${v.date}"${invalid('date')}></p>
    <p><label for="start">Starts</label><input id="start" name="start" type="time" required value="${v.start}"${invalid('start')}>
       <label for="end">Ends</label><input id="end" name="end" type="time" required value="${v.end}"${invalid('end')}></p>
    <p><label for="timeZone">Time zone</label>${select('timeZone', 'timeZone', TIME_ZONES.map((z) => [z, z] as const), v.timeZone || 'UTC')}</p>
  </fieldset>
  <fieldset><legend>Repeats</legend>
    <p><label for="repeat">How often</label>${select('repeat', 'repeat', REPEAT_CHOICES, v.repeat || 'none')}</p>
    <p><label for="count">Ends after this many meetings (optional)</label><input id="count" name="count" inputmode="numeric" size="5" value="${v.count}"${invalid('count')}></p>
    <p><label for="until">…or ends on (optional)</label><input id="until" name="until" type="date" value="${v.until}"${invalid('until')}></p>
    <p><label for="rrule">Custom rule (RRULE, with "Custom")</label><input id="rrule" name="rrule" size="40" value="${v.rrule}"${invalid('rrule')}></p>
  </fieldset>
  <p><label for="pin">PIN (digits, optional)</label><input id="pin" name="pin" inputmode="numeric" maxlength="20" size="8" value="${v.pin}"></p>
  <p><label for="participants">Participants to dial out to — one per line, <code>Name &lt;address&gt;</code> or an address; <code>dial-in:</code> before an invitee who dials in</label>
  <textarea id="participants" name="participants" rows="4" cols="50">${v.participants}</textarea></p>
  ${book.length > 0
    ? html`<p><label for="phonebook">Add from the phone book</label>
    <input id="phonebook" list="phonebook-list" size="40" placeholder="start typing a name or address" hx-preserve="true">
    <datalist id="phonebook-list">${book.map((entry) => html`<option value="${entry}"></option>`)}</datalist>
    <small class="muted">Copy an entry into the participants.</small></p>`
    : ''}
  <p><button type="submit">Book</button></p>
</form>`;
}

function occurrenceRow(kit: WebKit, request: FastifyRequest, b: BookingSummary, o: OccurrenceSummary, zone: string): SafeHtml {
  const start = DateTime.fromISO(o.start, { zone });
  const end = DateTime.fromISO(o.end, { zone });
  const base = `/bookings/${b.id}/occurrences/${o.occurrence}`;
  const csrf = kit.csrfField(request);
  const canBook = kit.can(request, 'book');
  const live = o.state === 'live' || o.state === 'starting';
  const connected = o.participants.filter((p) => p.connected === true).length;
  return html`<tr id="occurrence-${o.occurrence}">
  <th scope="row">${o.occurrence}</th>
  <td>${start.toFormat('ccc d LLL yyyy HH:mm')}–${end.toFormat('HH:mm')}</td>
  <td>${o.title}</td>
  <td><span class="state ${live ? 'ok' : o.state === 'failed' ? 'bad' : ''}">${o.state}</span>${o.error ? html` <span class="error">${o.error}</span>` : ''}${live ? html`<br><small>${connected} of ${o.participants.filter((p) => p.mode === 'dialOut').length} dial-outs connected</small>` : ''}</td>
  <td>${canBook
    ? live
      ? html`<form method="post" action="${base}/extend" class="inline">${csrf}
          <label for="extend-${o.occurrence}" class="visually-hidden">Extend occurrence ${o.occurrence} by</label>
          <select id="extend-${o.occurrence}" name="minutes"><option value="15">15 min</option><option value="30">30 min</option><option value="60">1 hour</option></select>
          <button type="submit">Extend</button></form>
        <form method="post" action="${base}/end" class="inline">${csrf}<button type="submit" class="danger">End now</button></form>`
      : o.state === 'scheduled'
        ? html`<form method="post" action="${base}/edit" class="inline">${csrf}
            <label for="os-${o.occurrence}" class="visually-hidden">New start of occurrence ${o.occurrence}</label>
            <input id="os-${o.occurrence}" name="start" type="datetime-local" value="${start.toFormat("yyyy-LL-dd'T'HH:mm")}">
            <label for="oe-${o.occurrence}" class="visually-hidden">New end of occurrence ${o.occurrence}</label>
            <input id="oe-${o.occurrence}" name="end" type="datetime-local" value="${end.toFormat("yyyy-LL-dd'T'HH:mm")}">
            <button type="submit" class="secondary">Move this one</button></form>
          <form method="post" action="${base}/cancel" class="inline">${csrf}<button type="submit" class="danger">Cancel this one</button></form>`
        : ''
    : ''}</td>
</tr>`;
}

export function bookingsPart(backend: BookingsBackend): WebPart {
  return {
    name: 'bookings',
    summary: 'Book meetings, see them on a calendar, extend or end them while they run.',
    nav: [{ href: '/bookings', label: 'Bookings', permission: 'view', order: 20 }],
    register(app: FastifyInstance, kit: WebKit) {
      const book = { permission: 'book' as const };

      const act = async (request: FastifyRequest, reply: FastifyReply, target: string, action: () => Promise<unknown>): Promise<FastifyReply> => {
        try {
          await action();
        } catch (error) {
          const failure = asWebError(error);
          if (!failure) throw error;
          return kit.page(request, reply, { title: 'Not done', status: failure.status, error: failure.message, body: html`<p><a href="${target}">Back</a></p>` });
        }
        return kit.redirect(reply, target, 'saved');
      };

      app.get('/bookings', async (request: FastifyRequest<{ Querystring: { view?: string; date?: string; zone?: string } }>, reply) => {
        const zone = TIME_ZONES.includes(request.query.zone ?? '') ? (request.query.zone ?? 'UTC') : 'UTC';
        const view: CalendarView = request.query.view === 'day' ? 'day' : 'week';
        const window = calendarWindow(view, zone, kit.clock.now(), request.query.date);
        const bookings = await backend.list();
        const items = bookings.flatMap((b) =>
          b.occurrences
            .filter((o) => Date.parse(o.start) < window.toMs && Date.parse(o.end) > window.fromMs)
            .map((o) => ({ occurrence: toOccurrence(b, o), href: `/bookings/${b.id}#occurrence-${o.occurrence}`, state: o.state })),
        );
        return kit.page(request, reply, {
          title: 'Bookings',
          body: html`${kit.can(request, 'book') ? html`<p><a class="button" href="/bookings/new">Book a meeting</a></p>` : ''}
<form method="get" action="/bookings" class="inline range"><input type="hidden" name="view" value="${view}"><input type="hidden" name="date" value="${window.start.toISODate() ?? ''}">
  <label for="zone">Show times in</label>${select('zone', 'zone', TIME_ZONES.map((z) => [z, z] as const), zone)}<button type="submit" class="secondary">Show</button></form>
${renderCalendar(window, items, (date, v) => `/bookings?view=${v}&date=${date}&zone=${encodeURIComponent(zone)}`)}
<h2>All bookings</h2>
<ul>${bookings.map((b) => html`<li><a href="/bookings/${b.id}">${b.title}</a> — ${describeRecurrence(b.recurrence)}, ${b.occurrences.length} occurrence${b.occurrences.length === 1 ? '' : 's'}${b.cancelled === true ? ' (cancelled)' : ''}</li>`)}</ul>`,
        });
      });

      const newForm = async (request: FastifyRequest, reply: FastifyReply, values?: BookingFormValues, failure?: WebError): Promise<FastifyReply> => {
        const now = DateTime.fromMillis(kit.clock.now(), { zone: 'UTC' }).plus({ minutes: 5 }).startOf('minute');
        const user = kit.user(request);
        const v = values ?? {
          title: '',
          organizer: user.username.includes('@') ? user.username : `${user.username}@switchboard.local`,
          date: now.toISODate() ?? '',
          start: now.toFormat('HH:mm'),
          end: now.plus({ hours: 1 }).toFormat('HH:mm'),
          timeZone: 'UTC',
          repeat: 'none',
          count: '',
          until: '',
          rrule: '',
          pin: '',
          participants: '',
        };
        return kit.page(request, reply, { title: 'Book a meeting', status: failure?.status ?? 200, error: failure?.message, body: bookingForm(kit, request, v, phoneBook(await backend.list()), failure) });
      };

      app.get('/bookings/new', { config: book }, (request, reply) => newForm(request, reply));

      app.post('/bookings', { config: book }, async (request, reply) => {
        const values = formValues(kit, request);
        let created: BookingSummary;
        try {
          created = await backend.create(bookingBody(values));
        } catch (error) {
          const failure = asWebError(error);
          if (!failure) throw error;
          return newForm(request, reply, values, failure);
        }
        kit.logger.info({ booking: created.id, by: kit.user(request).username }, 'booking created in the web UI');
        return kit.redirect(reply, `/bookings/${created.id}`, 'created');
      });

      app.get('/bookings/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const id = request.params.id;
        if (id.endsWith('.ics')) {
          // The PIN is for those who may change the booking; viewers get the invitation without it.
          const text = await backend.ics(id.slice(0, -4), { withPin: kit.can(request, 'book') }).catch((error: unknown) => {
            throw asWebError(error) ?? error;
          });
          return reply.type('text/calendar; charset=utf-8').header('content-disposition', attachment(id)).send(text);
        }
        const b = await backend.get(id).catch((error: unknown) => {
          throw asWebError(error) ?? error;
        });
        const csrf = kit.csrfField(request);
        const canBook = kit.can(request, 'book');
        return kit.page(request, reply, {
          title: b.title,
          body: html`<dl class="facts">
  <dt>Organizer</dt><dd>${b.organizer}</dd>
  <dt>First meeting</dt><dd>${b.start.replace('T', ' ')} – ${b.end.slice(11)} (${b.timeZone})</dd>
  <dt>Repeats</dt><dd>${describeRecurrence(b.recurrence)}</dd>
  <dt>PIN</dt><dd>${b.pin === undefined ? 'none' : 'set'}</dd>
  <dt>Participants</dt><dd>${b.participants.length === 0 ? 'none' : b.participants.map((p, i) => html`${i > 0 ? ', ' : ''}${p.name ?? p.uri}${p.mode === 'dialIn' ? ' (dials in)' : ''}`)}</dd>
  <dt>Calendar</dt><dd><a href="/bookings/${b.id}.ics" download>Download .ics</a></dd>
</dl>
<table>
  <caption>Occurrences</caption>
  <thead><tr><th scope="col">#</th><th scope="col">When (${b.timeZone})</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
  <tbody>${b.occurrences.map((o) => occurrenceRow(kit, request, b, o, b.timeZone))}</tbody>
</table>
${canBook && b.cancelled !== true
  ? html`<h2 id="edit-all">Change all occurrences</h2>
<form method="post" action="/bookings/${b.id}/edit" class="card" aria-labelledby="edit-all">${csrf}
  <p><label for="edit-title">Title</label><input id="edit-title" name="title" maxlength="200" size="40" value="${b.title}"></p>
  <p><label for="edit-pin">PIN (empty = none)</label><input id="edit-pin" name="pin" inputmode="numeric" maxlength="20" value="${b.pin ?? ''}"></p>
  <p><label for="edit-participants">Participants, one per line</label><textarea id="edit-participants" name="participants" rows="4" cols="50">${b.participants.map((p) => `${p.mode === 'dialIn' ? 'dial-in: ' : ''}${p.name === undefined ? p.uri : `${p.name} <${p.uri}>`}`).join('\n')}</textarea></p>
  <p><button type="submit">Save for all</button></p>
</form>
<form method="post" action="/bookings/${b.id}/cancel">${csrf}<button type="submit" class="danger">Cancel the whole booking</button></form>`
  : ''}
<p><a href="/bookings">Back to the calendar</a></p>`,
        });
      });

      app.post('/bookings/:id/edit', { config: book }, (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const f = kit.form(request);
        const pin = f.get('pin');
        return act(request, reply, `/bookings/${request.params.id}`, () =>
          backend.patch(request.params.id, { title: f.get('title'), pin: pin === '' ? null : pin, participants: parseParticipants(f.getRaw('participants')) }),
        );
      });

      app.post('/bookings/:id/cancel', { config: book }, (request: FastifyRequest<{ Params: { id: string } }>, reply) =>
        act(request, reply, '/bookings', () => backend.remove(request.params.id)),
      );

      const occurrenceNumber = (raw: string): number => {
        if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw webErrors.notFound('occurrence');
        return Number(raw);
      };
      type OccParams = FastifyRequest<{ Params: { id: string; n: string } }>;

      app.post('/bookings/:id/occurrences/:n/extend', { config: book }, (request: OccParams, reply) => {
        const minutes = Number(kit.form(request).get('minutes'));
        return act(request, reply, `/bookings/${request.params.id}`, () => backend.extend(request.params.id, occurrenceNumber(request.params.n), minutes));
      });
      app.post('/bookings/:id/occurrences/:n/end', { config: book }, (request: OccParams, reply) =>
        act(request, reply, `/bookings/${request.params.id}`, () => backend.endNow(request.params.id, occurrenceNumber(request.params.n))),
      );
      app.post('/bookings/:id/occurrences/:n/cancel', { config: book }, (request: OccParams, reply) =>
        act(request, reply, `/bookings/${request.params.id}`, () => backend.removeOccurrence(request.params.id, occurrenceNumber(request.params.n))),
      );
      app.post('/bookings/:id/occurrences/:n/edit', { config: book }, (request: OccParams, reply) => {
        const f = kit.form(request);
        return act(request, reply, `/bookings/${request.params.id}`, () =>
          backend.patchOccurrence(request.params.id, occurrenceNumber(request.params.n), { start: f.get('start'), end: f.get('end') }),
        );
      });
    },
  };
}
