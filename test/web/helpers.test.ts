import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRecurrence, recurrenceFromForm } from '../../src/web/bookings/recurrence.ts';
import { barChart, stepChart } from '../../src/web/charts.ts';
import { columnsOf, csvCell, csvLine, toCsv } from '../../src/shared/csv.ts';
import { WebError } from '../../src/web/errors.ts';

const form = (repeat: string, extra: Partial<{ rrule: string; count: string; until: string }> = {}) => ({ repeat, rrule: '', count: '', until: '', ...extra });

describe('recurrence in plain words', () => {
  test('everyday choices become RRULEs anchored on the first meeting', () => {
    const start = '2026-03-04T09:30'; // a Wednesday
    assert.equal(recurrenceFromForm(form('none'), start), undefined);
    assert.equal(recurrenceFromForm(form('daily', { count: '5' }), start), 'FREQ=DAILY;COUNT=5');
    assert.equal(recurrenceFromForm(form('weekdays'), start), 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    assert.equal(recurrenceFromForm(form('weekly', { until: '2026-06-30' }), start), 'FREQ=WEEKLY;BYDAY=WE;UNTIL=20260630');
    assert.equal(recurrenceFromForm(form('biweekly'), start), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=WE');
    assert.equal(recurrenceFromForm(form('monthly'), start), 'FREQ=MONTHLY;BYMONTHDAY=4');
    assert.equal(recurrenceFromForm(form('custom', { rrule: 'RRULE:FREQ=YEARLY' }), start), 'FREQ=YEARLY');
  });

  test('bad choices name the field', () => {
    for (const [f, field] of [
      [form('weekly', { count: '3', until: '2026-01-01' }), 'count'],
      [form('weekly', { count: 'ten' }), 'count'],
      [form('weekly', { count: '0' }), 'count'],
      [form('weekly', { until: '30.06.2026' }), 'until'],
      [form('custom'), 'rrule'],
      [form('hourly'), 'repeat'],
    ] as const) {
      assert.throws(() => recurrenceFromForm(f, '2026-03-04T09:30'), (e: unknown) => e instanceof WebError && e.field === field, JSON.stringify(f));
    }
  });

  test('rules read back in words', () => {
    assert.equal(describeRecurrence(undefined), 'does not repeat');
    assert.equal(describeRecurrence('FREQ=WEEKLY;BYDAY=MO;COUNT=10'), 'every week on Monday for 10 times');
    assert.equal(describeRecurrence('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'), 'every weekday');
    assert.equal(describeRecurrence('NOT A RULE'), 'NOT A RULE');
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting, CRLF, formula cells neutralised, columns in first-seen order', () => {
    const rows = [{ a: 'x,y', b: 'say "hi"' }, { a: '=HYPERLINK("evil")', c: 3, b: null }];
    const columns = columnsOf(rows);
    assert.deepEqual(columns, ['a', 'b', 'c']);
    assert.equal(toCsv(columns, rows), 'a,b,c\r\n"x,y","say ""hi""",\r\n"\'=HYPERLINK(""evil"")",,3\r\n');
  });

  test('the formula guard: text starting with = + - @ tab CR LF is prefixed; typed numbers are not, numeric-looking text is', () => {
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '\n=1']) assert.ok(csvCell(text).replace(/^"/, '').startsWith("'"), JSON.stringify(text));
    assert.equal(csvCell(-5), '-5');
    assert.equal(csvCell(-0.5), '-0.5');
    assert.equal(csvCell(12n), '12');
    assert.equal(csvCell(false), 'false');
    assert.equal(csvCell('-5'), "'-5");
    assert.equal(csvCell('a=1'), 'a=1');
    assert.equal(csvCell(' =1'), ' =1');
    assert.equal(csvCell({ a: 1 }), '{"a":1}'.replace(/"/g, '""').replace(/^|$/g, '"'));
    assert.equal(csvCell('a;=1'), '"a;=1"', 'a spreadsheet splitting on semicolons still reads one cell');
    assert.equal(csvCell('\t'), `"'\t"`);
    assert.equal(csvCell(undefined), '');
    assert.equal(csvLine(['x', 1, null]), 'x,1,\r\n');
  });
});

describe('SVG charts', () => {
  test('a bar per point, a text alternative, labels escaped', () => {
    const svg = barChart('Usage <per day>', [{ label: '2026-01-05', value: 30 }, { label: '<x>', value: 90 }], 'min').toString();
    assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 2);
    assert.match(svg, /role="img" aria-label="Usage &lt;per day&gt;: 2026-01-05: 30 min; &lt;x&gt;: 90 min"/);
    assert.doesNotMatch(svg, /<x>/);
    // The scale tops at 100 min: 90 min fills 0.9 of the 168-unit plot, 30 min 0.3.
    assert.match(svg, /height="151\.2"/);
    assert.match(svg, /height="50\.4"/);
  });

  test('the step chart names its peak; empty data says so', () => {
    assert.match(stepChart('Peak', [{ label: '09:00', value: 2 }, { label: '10:00', value: 5 }], 'legs').toString(), /aria-label="Peak: peak 5 legs at 10:00"/);
    assert.match(barChart('Empty', [], 'min').toString(), /No data in this range/);
  });
});

describe('calendar', () => {
  test('a week window starts on Monday in the viewer\'s zone and shows each occurrence on its day', async () => {
    const { calendarWindow, renderCalendar } = await import('../../src/web/bookings/calendar.ts');
    // Wednesday 2026-03-04 12:00 UTC; Oslo is UTC+1.
    const w = calendarWindow('week', 'Europe/Oslo', Date.UTC(2026, 2, 4, 12));
    assert.equal(w.start.toISO(), '2026-03-02T00:00:00.000+01:00');
    assert.equal(w.toMs - w.fromMs, 7 * 24 * 3600_000);
    const occurrence = { bookingId: 'b1', occurrence: 1, startMs: Date.UTC(2026, 2, 5, 8), endMs: Date.UTC(2026, 2, 5, 9), title: '<Board>', participants: [], pin: undefined, type: 'automatic' as const, bridge: undefined };
    const out = renderCalendar(w, [{ occurrence, href: '/bookings/b1/1', state: 'scheduled' }], (d, v) => `/bookings?date=${d}&view=${v}`).toString();
    assert.match(out, /<section class="day" aria-label="Thursday 5 March">\s*<h3>Thu 5 Mar<\/h3>\s*<ul><li class="meeting scheduled"><a href="\/bookings\/b1\/1"><span class="time">09:00–10:00<\/span> &lt;Board&gt;<\/a>/);
    assert.equal((out.match(/No meetings/g) ?? []).length, 6);
    assert.match(out, /href="\/bookings\?date=2026-02-23&amp;view=week">← Previous week/);
    const day = calendarWindow('day', 'Europe/Oslo', 0, '2026-03-05');
    assert.equal(day.days, 1);
    assert.equal(day.start.toISODate(), '2026-03-05');
  });
});
