import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import rrulePkg from 'rrule';
import {
  MAX_SERIES_YEARS,
  MAX_WALK_STEPS,
  RecurrenceError,
  compileRule,
  walkRule,
  expandOccurrences,
  occurrenceOf,
  originalOccurrence,
  seriesSpan,
  type BookingSeries,
  type Occurrence,
} from '../../../src/scheduler/bookings/index.ts';

const { rrulestr } = rrulePkg;

const ALL_FROM = Date.UTC(2000, 0, 1);
const ALL_TO = Date.UTC(2100, 0, 1);

function series(overrides: Partial<BookingSeries> = {}): BookingSeries {
  return {
    id: 'b1',
    title: 'Weekly sync',
    organizer: 'org@example.com',
    start: '2024-03-18T09:00',
    end: '2024-03-18T10:00',
    timeZone: 'Europe/Oslo',
    participants: [{ uri: 'room1@example.com', mode: 'dialOut' }],
    type: 'automatic',
    sequence: 0,
    ...overrides,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
const wall = (o: Occurrence, zone: string): string => DateTime.fromMillis(o.startMs, { zone }).toFormat("yyyy-LL-dd'T'HH:mm");

describe('recurrence expansion', () => {
  test('weekly 09:00 Europe/Oslo keeps the wall clock across the spring and autumn DST changes', () => {
    const spring = expandOccurrences(series({ recurrence: 'FREQ=WEEKLY;COUNT=4' }), ALL_FROM, ALL_TO);
    assert.deepEqual(spring.map((o) => iso(o.startMs)), ['2024-03-18T08:00', '2024-03-25T08:00', '2024-04-01T07:00', '2024-04-08T07:00']);
    assert.deepEqual(spring.map((o) => wall(o, 'Europe/Oslo')), ['2024-03-18T09:00', '2024-03-25T09:00', '2024-04-01T09:00', '2024-04-08T09:00']);
    assert.ok(spring.every((o) => o.endMs - o.startMs === 3_600_000));
    assert.deepEqual(spring.map((o) => o.occurrence), [1, 2, 3, 4]);

    const autumn = expandOccurrences(series({ start: '2024-10-21T09:00', end: '2024-10-21T10:00', recurrence: 'FREQ=WEEKLY;COUNT=2' }), ALL_FROM, ALL_TO);
    assert.deepEqual(autumn.map((o) => iso(o.startMs)), ['2024-10-21T07:00', '2024-10-28T08:00']);
  });

  test('weekly America/New_York across the March DST change: 09:00 local, UTC moves from 14:00 to 13:00', () => {
    const list = expandOccurrences(
      series({ start: '2024-03-04T09:00', end: '2024-03-04T09:30', timeZone: 'America/New_York', recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3' }),
      ALL_FROM,
      ALL_TO,
    );
    assert.deepEqual(list.map((o) => iso(o.startMs)), ['2024-03-04T14:00', '2024-03-11T13:00', '2024-03-18T13:00']);
    assert.ok(list.every((o) => wall(o, 'America/New_York').endsWith('T09:00')));
  });

  test('monthly BYDAY=2TU and BYDAY=-1FR', () => {
    const second = expandOccurrences(series({ start: '2024-01-09T13:00', end: '2024-01-09T14:00', recurrence: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=6' }), ALL_FROM, ALL_TO);
    assert.deepEqual(second.map((o) => wall(o, 'Europe/Oslo').slice(0, 10)), ['2024-01-09', '2024-02-13', '2024-03-12', '2024-04-09', '2024-05-14', '2024-06-11']);
    assert.ok(second.every((o) => wall(o, 'Europe/Oslo').endsWith('T13:00')));
    const last = expandOccurrences(series({ start: '2024-01-26T15:00', end: '2024-01-26T16:00', recurrence: 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=3' }), ALL_FROM, ALL_TO);
    assert.deepEqual(last.map((o) => wall(o, 'Europe/Oslo').slice(0, 10)), ['2024-01-26', '2024-02-23', '2024-03-29']);
  });

  test('the floating expansion agrees with rrule run on the same wall-clock rule', () => {
    const rule = 'FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO,3WE;COUNT=12';
    const ours = expandOccurrences(series({ start: '2024-01-01T08:15', end: '2024-01-01T09:00', timeZone: 'Australia/Sydney', recurrence: rule }), ALL_FROM, ALL_TO);
    const theirs = rrulestr(`DTSTART:20240101T081500Z\nRRULE:${rule}`).all().map((d) => d.toISOString().slice(0, 16));
    assert.equal(ours.length, 12);
    assert.deepEqual(ours.map((o) => wall(o, 'Australia/Sydney')), theirs);
  });

  test('UNTIL as a date includes that whole local day; UNTIL in UTC is exact', () => {
    const byDate = expandOccurrences(series({ recurrence: 'FREQ=WEEKLY;UNTIL=20240415' }), ALL_FROM, ALL_TO);
    assert.equal(byDate.length, 5);
    assert.equal(wall(byDate.at(-1)!, 'Europe/Oslo'), '2024-04-15T09:00');
    // 2024-04-15 09:00 CEST is 07:00Z.
    assert.equal(expandOccurrences(series({ recurrence: 'FREQ=WEEKLY;UNTIL=20240415T070000Z' }), ALL_FROM, ALL_TO).length, 5);
    assert.equal(expandOccurrences(series({ recurrence: 'FREQ=WEEKLY;UNTIL=20240415T065959Z' }), ALL_FROM, ALL_TO).length, 4);
    assert.equal(expandOccurrences(series({ recurrence: 'FREQ=DAILY;COUNT=10' }), ALL_FROM, ALL_TO).length, 10);
  });

  test('exceptions and overrides: cancelled left out, moved at its new time, numbering stable', () => {
    const s = series({
      recurrence: 'FREQ=WEEKLY;COUNT=6',
      pin: '1234',
      overrides: [
        { occurrence: 2, cancelled: true },
        { occurrence: 3, start: '2024-04-03T15:00', title: 'Moved to Wednesday' },
        { occurrence: 4, title: 'Retitled', pin: null, participants: [{ uri: 'room2@example.com', mode: 'dialOut' }] },
        { occurrence: 5, start: '2024-04-15T11:00', end: '2024-04-15T13:30' },
      ],
    });
    const list = expandOccurrences(s, ALL_FROM, ALL_TO);
    assert.deepEqual(list.map((o) => o.occurrence), [1, 3, 4, 5, 6]);
    const [first, movedOne, retitled, longer, sixth] = list;
    assert.equal(wall(movedOne!, 'Europe/Oslo'), '2024-04-03T15:00');
    assert.equal(movedOne!.endMs - movedOne!.startMs, 3_600_000, 'a lone start keeps the duration');
    assert.equal(movedOne!.title, 'Moved to Wednesday');
    assert.equal(movedOne!.pin, '1234');
    assert.equal(retitled!.title, 'Retitled');
    assert.equal(retitled!.pin, undefined);
    assert.equal(retitled!.participants[0]?.uri, 'room2@example.com');
    assert.equal(longer!.endMs - longer!.startMs, 2.5 * 3_600_000);
    assert.equal(first!.title, 'Weekly sync');
    assert.equal(sixth!.occurrence, 6);
    assert.equal(wall(sixth!, 'Europe/Oslo'), '2024-04-22T09:00');

    // A window holding only the moved occurrence's new time finds it; its old slot is empty.
    const wednesday = expandOccurrences(s, Date.UTC(2024, 3, 3), Date.UTC(2024, 3, 4));
    assert.deepEqual(wednesday.map((o) => o.occurrence), [3]);
    assert.deepEqual(expandOccurrences(s, Date.UTC(2024, 3, 1), Date.UTC(2024, 3, 2)), []);
    assert.equal(occurrenceOf(s, 2), undefined);
    assert.equal(occurrenceOf(s, 3)?.title, 'Moved to Wednesday');
    assert.equal(originalOccurrence(s, 3)?.startLocal, '2024-04-01T09:00:00');
    assert.equal(originalOccurrence(s, 7), undefined);
  });

  test('windows are half-open and keep occurrences that started before them', () => {
    const s = series({ recurrence: 'FREQ=DAILY;COUNT=3' });
    const firstStart = Date.UTC(2024, 2, 18, 8);
    assert.deepEqual(expandOccurrences(s, firstStart + 30 * 60_000, firstStart + 31 * 60_000).map((o) => o.occurrence), [1]);
    assert.deepEqual(expandOccurrences(s, firstStart + 3_600_000, firstStart + 86_400_000).map((o) => o.occurrence), []);
    assert.deepEqual(expandOccurrences(s, firstStart - 60_000, firstStart).map((o) => o.occurrence), []);
    assert.deepEqual(expandOccurrences(s, firstStart, firstStart + 86_400_000 + 1).map((o) => o.occurrence), [1, 2]);
  });

  test('open-ended rules are bounded: they end MAX_SERIES_YEARS after the first occurrence, and options.max limits a call', () => {
    const s = series({ recurrence: 'FREQ=DAILY' });
    const all = expandOccurrences(s, ALL_FROM, ALL_TO);
    assert.equal(MAX_SERIES_YEARS, 10);
    assert.equal(all.length, 3653); // 2024-03-18 .. 2034-03-18, both included
    assert.equal(wall(all.at(-1)!, 'Europe/Oslo'), '2034-03-18T09:00');
    assert.equal(all.at(-1)?.occurrence, 3653);
    assert.equal(expandOccurrences(s, ALL_FROM, ALL_TO, { max: 10 }).length, 10);
    const span = seriesSpan(s)!;
    assert.equal(span.openEnded, true);
    assert.equal(span.occurrences, 3653);
    assert.equal(span.lastEndMs, all.at(-1)?.endMs);
    // A window years ahead still numbers occurrences by their place in the series.
    const later = expandOccurrences(s, Date.UTC(2030, 0, 1), Date.UTC(2030, 0, 2));
    assert.equal(later.length, 1);
    assert.equal(later[0]?.occurrence, 2116); // 2115 days after 2024-03-18
    assert.equal(seriesSpan(series({ recurrence: 'FREQ=WEEKLY;COUNT=3' }))?.openEnded, false);
    // Weekly: 522 Mondays in ten years; yearly: eleven.
    assert.equal(seriesSpan(series({ recurrence: 'FREQ=WEEKLY' }))?.occurrences, 522);
    assert.equal(seriesSpan(series({ recurrence: 'FREQ=YEARLY' }))?.occurrences, 11);
  });

  test('seriesSpan spans the occurrences as they happen: cancelled ends left out, moved ones where they went', () => {
    const s = series({
      recurrence: 'FREQ=WEEKLY;COUNT=6',
      overrides: [
        { occurrence: 1, cancelled: true },
        { occurrence: 6, cancelled: true },
        { occurrence: 3, start: '2024-05-20T09:00' },
        { occurrence: 5, start: '2024-03-11T09:00', end: '2024-03-11T09:30' },
      ],
    });
    const all = expandOccurrences(s, ALL_FROM, ALL_TO);
    const span = seriesSpan(s)!;
    assert.equal(span.firstStartMs, Math.min(...all.map((o) => o.startMs)));
    assert.equal(span.lastEndMs, Math.max(...all.map((o) => o.endMs)));
    assert.equal(iso(span.firstStartMs), '2024-03-11T08:00');
    assert.equal(iso(span.lastEndMs), '2024-05-20T08:00');
    assert.equal(span.occurrences, 6);
    assert.equal(seriesSpan(series({ recurrence: 'FREQ=WEEKLY;COUNT=2', overrides: [{ occurrence: 1, cancelled: true }, { occurrence: 2, cancelled: true }] })), undefined);
  });

  test('a rule that matches nothing is walked for a bounded number of steps, not to the year 9999', () => {
    const start = { year: 2024, month: 3, day: 18, hour: 9, minute: 0, second: 0 };
    for (const rule of ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=WEEKLY;BYSETPOS=7;BYDAY=MO', 'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;UNTIL=99991231']) {
      const walk = walkRule(compileRule(rule, 'Europe/Oslo'), start, () => false);
      assert.deepEqual(walk.starts, [], rule);
      assert.equal(walk.exhausted, false, `${rule}: cut short by the step meter`);
      assert.equal(walk.steps, MAX_WALK_STEPS + 1, rule);
    }
    // A sparse rule stops ten years on (2038-03-01): 29 February 2028, 2032 and 2036.
    const leap = walkRule(compileRule('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29', 'UTC'), { ...start, year: 2028, month: 2, day: 29 }, () => false);
    assert.deepEqual(leap.starts.map((f) => iso(f)), ['2028-02-29T09:00', '2032-02-29T09:00', '2036-02-29T09:00']);
    assert.equal(leap.exhausted, false);
    // A rule that ends by itself says so.
    const counted = walkRule(compileRule('FREQ=WEEKLY;COUNT=3', 'UTC'), start, () => false);
    assert.equal(counted.starts.length, 3);
    assert.equal(counted.exhausted, true);
    assert.ok(counted.steps < 100);
  });

  test('nonexistent local times move forward by the gap; ambiguous ones take the first instant (RFC 5545)', () => {
    const spring = expandOccurrences(series({ start: '2024-03-30T02:30', end: '2024-03-30T03:00', recurrence: 'FREQ=DAILY;COUNT=3' }), ALL_FROM, ALL_TO);
    // 30 March 02:30 CET = 01:30Z; 31 March 02:30 does not exist → 03:30 CEST = 01:30Z; 1 April 02:30 CEST = 00:30Z.
    assert.deepEqual(spring.map((o) => iso(o.startMs)), ['2024-03-30T01:30', '2024-03-31T01:30', '2024-04-01T00:30']);
    assert.equal(wall(spring[1]!, 'Europe/Oslo'), '2024-03-31T03:30');
    const autumn = expandOccurrences(series({ start: '2024-10-26T02:30', end: '2024-10-26T03:00', recurrence: 'FREQ=DAILY;COUNT=3' }), ALL_FROM, ALL_TO);
    // 27 October 02:30 happens twice (CEST then CET): the first, 00:30Z.
    assert.deepEqual(autumn.map((o) => iso(o.startMs)), ['2024-10-26T00:30', '2024-10-27T00:30', '2024-10-28T01:30']);
    const ny = expandOccurrences(series({ start: '2024-11-03T01:30', end: '2024-11-03T02:00', timeZone: 'America/New_York' }), ALL_FROM, ALL_TO);
    assert.equal(iso(ny[0]!.startMs), '2024-11-03T05:30', '01:30 EDT, not EST');
  });

  test('a single booking, a cancelled series, and a series that does not parse', () => {
    assert.deepEqual(expandOccurrences(series(), ALL_FROM, ALL_TO).map((o) => [o.occurrence, iso(o.startMs), o.bookingId, o.type]), [
      [1, '2024-03-18T08:00', 'b1', 'automatic'],
    ]);
    assert.deepEqual(expandOccurrences(series({ recurrence: 'FREQ=DAILY', cancelled: true }), ALL_FROM, ALL_TO), []);
    assert.throws(() => expandOccurrences(series({ recurrence: 'FREQ=SOMETIMES' }), ALL_FROM, ALL_TO), RecurrenceError);
    assert.throws(() => expandOccurrences(series({ start: '2024-02-30T09:00' }), ALL_FROM, ALL_TO), /not a local date-time/);
  });
});
