/**
 * Week and day views of occurrences, in the viewer's time zone. Pure rendering: the Bookings page
 * fetches the occurrences from the scheduler and hands them here.
 */
import { DateTime } from 'luxon';
// eslint-disable-next-line no-restricted-imports -- issue 14 step 4: the scheduler's booking API types belong in a scheduler client (src/clients/scheduler/) not written yet
import type { Occurrence } from '../../scheduler/bookings/types.ts';
import { html, type SafeHtml } from '../html.ts';

export type CalendarView = 'week' | 'day';

export interface CalendarWindow {
  readonly view: CalendarView;
  readonly zone: string;
  /** First day shown (start of the week, Monday, or the day). */
  readonly start: DateTime;
  readonly days: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/** The window for `view` containing `date` (YYYY-MM-DD, default today in the zone). */
export function calendarWindow(view: CalendarView, zone: string, nowMs: number, date?: string): CalendarWindow {
  const parsed = date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone }) : undefined;
  const anchor = parsed?.isValid ? parsed : DateTime.fromMillis(nowMs, { zone });
  const start = view === 'week' ? anchor.startOf('week') : anchor.startOf('day');
  const days = view === 'week' ? 7 : 1;
  const end = start.plus({ days });
  return { view, zone, start, days, fromMs: start.toMillis(), toMs: end.toMillis() };
}

export interface CalendarItem {
  readonly occurrence: Occurrence;
  /** Where the item links to (the occurrence's page). */
  readonly href: string;
  /** scheduled | live | ended | cancelled ... as the scheduler reports it. */
  readonly state?: string | undefined;
}

function timeRange(o: Occurrence, zone: string): string {
  const s = DateTime.fromMillis(o.startMs, { zone });
  const e = DateTime.fromMillis(o.endMs, { zone });
  return `${s.toFormat('HH:mm')}–${e.toFormat(e.hasSame(s, 'day') ? 'HH:mm' : 'ccc HH:mm')}`;
}

export function renderCalendar(window: CalendarWindow, items: readonly CalendarItem[], link: (date: string, view: CalendarView) => string): SafeHtml {
  const days = Array.from({ length: window.days }, (_, i) => window.start.plus({ days: i }));
  const step = window.view === 'week' ? { weeks: 1 } : { days: 1 };
  const prev = window.start.minus(step).toISODate() ?? '';
  const next = window.start.plus(step).toISODate() ?? '';
  const title =
    window.view === 'week'
      ? `Week ${window.start.weekNumber}: ${window.start.toFormat('d LLL')} – ${window.start.plus({ days: 6 }).toFormat('d LLL yyyy')}`
      : window.start.toFormat('cccc d LLLL yyyy');
  return html`<nav class="calendar-nav" aria-label="Calendar">
  <a class="button secondary" href="${link(prev, window.view)}">← Previous ${window.view}</a>
  <h2 id="calendar-title">${title}</h2>
  <a class="button secondary" href="${link(next, window.view)}">Next ${window.view} →</a>
  <span class="views">${window.view === 'week'
    ? html`<a href="${link(window.start.toISODate() ?? '', 'day')}">Day view</a>`
    : html`<a href="${link(window.start.toISODate() ?? '', 'week')}">Week view</a>`} · times in ${window.zone}</span>
</nav>
<div class="calendar ${window.view}" aria-labelledby="calendar-title">
${days.map((day) => {
  const dayStart = day.toMillis();
  const dayEnd = day.plus({ days: 1 }).toMillis();
  const today = items.filter((i) => i.occurrence.startMs < dayEnd && i.occurrence.endMs > dayStart).sort((a, b) => a.occurrence.startMs - b.occurrence.startMs);
  return html`<section class="day" aria-label="${day.toFormat('cccc d LLLL')}">
  <h3>${day.toFormat('ccc d LLL')}</h3>
  ${today.length === 0
    ? html`<p class="muted">No meetings</p>`
    : html`<ul>${today.map(
        (item) => html`<li class="meeting${item.state === undefined ? '' : ` ${item.state}`}"><a href="${item.href}"><span class="time">${timeRange(item.occurrence, window.zone)}</span> ${item.occurrence.title}</a>${item.state === undefined ? '' : html` <span class="state">${item.state}</span>`}</li>`,
      )}</ul>`}
</section>`;
})}
</div>`;
}
