import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import rrulePkg from 'rrule';
import { bookingCalendar, expandOccurrences, organizerFeed, type BookingSeries } from '../../../src/scheduler/bookings/index.ts';
import { children, parseIcal, prop, props, unescapeText, unfold, type IcalComponent } from '../../support/ical.ts';

const { rrulestr } = rrulePkg;

const DIAL_IN = { number: '88001234', domain: 'vc.example.com' };
const STAMP = Date.UTC(2024, 2, 1, 12);

const weekly: BookingSeries = {
  id: 'b-weekly',
  title: 'Weekly sync; team A, B',
  organizer: 'chair@example.com',
  start: '2024-03-18T09:00',
  end: '2024-03-18T10:00',
  timeZone: 'Europe/Oslo',
  recurrence: 'FREQ=WEEKLY;UNTIL=20240429',
  overrides: [
    { occurrence: 2, cancelled: true },
    { occurrence: 4, start: '2024-04-09T14:00', end: '2024-04-09T15:30', title: 'Moved sync' },
  ],
  pin: '4321',
  participants: [
    { uri: 'sip:boardroom@example.com', mode: 'dialOut', name: 'Boardroom' },
    { uri: 'alice@example.com', mode: 'dialIn', name: 'Alice' },
    { uri: '+4712345678', mode: 'dialIn', email: 'bob@example.com' },
  ],
  type: 'automatic',
  sequence: 3,
};

function events(cal: IcalComponent): IcalComponent[] {
  return children(cal, 'VEVENT');
}

function value(c: IcalComponent, name: string): string {
  const p = prop(c, name);
  assert.ok(p, `missing ${name}`);
  return p.value;
}

/** Local wall-clock `YYYYMMDDTHHMMSS` of an instant in a zone. */
function localStamp(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyyLLdd'T'HHmmss");
}

describe('iCalendar', () => {
  test('a REQUEST carries the VTIMEZONE, RRULE/EXDATE, RECURRENCE-ID override, people and dial-in details', () => {
    const text = bookingCalendar(weekly, { method: 'REQUEST', dialIn: DIAL_IN, stampMs: STAMP, organizerName: 'The Chair' });
    assert.ok(text.endsWith('\r\n'));
    assert.ok(unfold(text).length > 0);
    for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line longer than 75 octets: ${line}`);
    const cal = parseIcal(text);
    assert.equal(cal.name, 'VCALENDAR');
    assert.equal(value(cal, 'VERSION'), '2.0');
    assert.equal(value(cal, 'METHOD'), 'REQUEST');
    const [tz] = children(cal, 'VTIMEZONE');
    assert.equal(value(tz!, 'TZID'), 'Europe/Oslo');
    assert.deepEqual(tz!.components.map((c) => c.name).sort(), ['DAYLIGHT', 'STANDARD']);

    const [master, moved, ...rest] = events(cal);
    assert.equal(rest.length, 0);
    assert.equal(value(master!, 'UID'), 'b-weekly@switchboard');
    assert.equal(value(master!, 'SEQUENCE'), '3');
    assert.equal(value(master!, 'DTSTAMP'), '20240301T120000Z');
    assert.deepEqual(prop(master!, 'DTSTART'), { name: 'DTSTART', params: { TZID: 'Europe/Oslo' }, value: '20240318T090000' });
    assert.deepEqual(prop(master!, 'DTEND'), { name: 'DTEND', params: { TZID: 'Europe/Oslo' }, value: '20240318T100000' });
    // UNTIL=20240429 (a date) is the end of that local day, written in UTC as RFC 5545 requires with a TZID.
    assert.equal(value(master!, 'RRULE'), 'FREQ=WEEKLY;UNTIL=20240429T215959Z');
    assert.deepEqual(prop(master!, 'EXDATE'), { name: 'EXDATE', params: { TZID: 'Europe/Oslo' }, value: '20240325T090000' });
    assert.equal(unescapeText(value(master!, 'SUMMARY')), 'Weekly sync; team A, B');
    assert.equal(value(master!, 'LOCATION'), '88001234@vc.example.com');
    const description = unescapeText(value(master!, 'DESCRIPTION'));
    assert.match(description, /sip:88001234@vc\.example\.com/);
    assert.match(description, /Conference number: 88001234/);
    assert.match(description, /PIN: 4321/);
    assert.match(description, /Boardroom <sip:boardroom@example.com>/);
    assert.deepEqual(prop(master!, 'ORGANIZER'), { name: 'ORGANIZER', params: { CN: 'The Chair' }, value: 'mailto:chair@example.com' });
    const attendees = props(master!, 'ATTENDEE');
    assert.deepEqual(attendees.map((a) => a.value.toLowerCase()), ['mailto:alice@example.com', 'mailto:bob@example.com']);
    assert.equal(attendees[0]?.params['PARTSTAT'], 'NEEDS-ACTION');
    assert.equal(attendees[0].params['RSVP'], 'TRUE');
    assert.equal(attendees[0].params['CN'], 'Alice');
    assert.equal(value(master!, 'STATUS'), 'CONFIRMED');

    assert.equal(value(moved!, 'UID'), 'b-weekly@switchboard');
    assert.deepEqual(prop(moved!, 'RECURRENCE-ID'), { name: 'RECURRENCE-ID', params: { TZID: 'Europe/Oslo' }, value: '20240408T090000' });
    assert.equal(value(moved!, 'DTSTART'), '20240409T140000');
    assert.equal(value(moved!, 'DTEND'), '20240409T153000');
    assert.equal(unescapeText(value(moved!, 'SUMMARY')), 'Moved sync');
    assert.equal(prop(moved!, 'RRULE'), undefined);
  });

  test('the calendar describes exactly the occurrences expandOccurrences yields (checked with rrulestr)', () => {
    const cal = parseIcal(bookingCalendar(weekly, { method: 'REQUEST', dialIn: DIAL_IN }));
    const [master, ...overrides] = events(cal);
    const zone = prop(master!, 'DTSTART')!.params['TZID']!;
    // Expand the written rule in floating wall-clock time, as a calendar client would in the TZID.
    const untilLocal = localStamp(Date.parse(value(master!, 'RRULE').replace(/.*UNTIL=(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z.*/, '$1-$2-$3T$4:$5:$6Z')), zone);
    const rule = value(master!, 'RRULE').replace(/UNTIL=[^;]+/, `UNTIL=${untilLocal}Z`);
    const slots = rrulestr(`DTSTART:${value(master!, 'DTSTART')}Z\nRRULE:${rule}`).all().map((d) => d.toISOString().replace(/[-:]/g, '').slice(0, 15));
    const excluded = new Set(value(master!, 'EXDATE').split(','));
    const replaced = new Map(overrides.map((o) => [value(o, 'RECURRENCE-ID'), value(o, 'DTSTART')]));
    const fromCalendar = slots.filter((s) => !excluded.has(s)).map((s) => replaced.get(s) ?? s);
    const ours = expandOccurrences(weekly, 0, Date.UTC(2100, 0, 1)).map((o) => localStamp(o.startMs, zone));
    assert.deepEqual(fromCalendar, ours);
    assert.equal(ours.length, 6);
  });

  test('UID is stable across updates; SEQUENCE follows the booking', () => {
    const v1 = parseIcal(bookingCalendar(weekly, { method: 'REQUEST', dialIn: DIAL_IN }));
    const v2 = parseIcal(bookingCalendar({ ...weekly, title: 'Renamed', sequence: 4 }, { method: 'REQUEST', dialIn: DIAL_IN }));
    assert.equal(value(events(v1)[0]!, 'UID'), value(events(v2)[0]!, 'UID'));
    assert.equal(value(events(v2)[0]!, 'SEQUENCE'), '4');
  });

  test('CANCEL of the whole series and of one occurrence', () => {
    const whole = parseIcal(bookingCalendar({ ...weekly, sequence: 5 }, { method: 'CANCEL', dialIn: DIAL_IN }));
    assert.equal(value(whole, 'METHOD'), 'CANCEL');
    const [event, ...more] = events(whole);
    assert.equal(more.length, 0, 'no override events in a series cancel');
    assert.equal(value(event!, 'UID'), 'b-weekly@switchboard');
    assert.equal(value(event!, 'STATUS'), 'CANCELLED');
    assert.equal(value(event!, 'SEQUENCE'), '5');
    assert.equal(props(event!, 'ATTENDEE').length, 2);

    const one = parseIcal(bookingCalendar(weekly, { method: 'CANCEL', dialIn: DIAL_IN, occurrence: 3 }));
    const [single] = events(one);
    assert.equal(value(single!, 'STATUS'), 'CANCELLED');
    assert.deepEqual(prop(single!, 'RECURRENCE-ID'), { name: 'RECURRENCE-ID', params: { TZID: 'Europe/Oslo' }, value: '20240401T090000' });
    assert.equal(prop(single!, 'RRULE'), undefined);
    assert.throws(() => bookingCalendar(weekly, { method: 'CANCEL', dialIn: DIAL_IN, occurrence: 99 }), /no occurrence 99/);
  });

  test('a booking without a space yet says so; UTC bookings use UTC times', () => {
    const utc: BookingSeries = { ...weekly, id: 'b-utc', timeZone: 'UTC', recurrence: undefined, overrides: undefined, pin: undefined };
    const cal = parseIcal(bookingCalendar(utc, { method: 'REQUEST', dialIn: undefined }));
    const [event] = events(cal);
    assert.equal(children(cal, 'VTIMEZONE').length, 0);
    assert.deepEqual(prop(event!, 'DTSTART'), { name: 'DTSTART', params: {}, value: '20240318T090000Z' });
    assert.equal(prop(event!, 'LOCATION'), undefined);
    assert.match(unescapeText(value(event!, 'DESCRIPTION')), /Dial-in details follow/);
    assert.doesNotMatch(unescapeText(value(event!, 'DESCRIPTION')), /PIN/);
  });

  test('an organizer feed is one VCALENDAR with every live booking and a VTIMEZONE per zone', () => {
    const ny: BookingSeries = {
      ...weekly,
      id: 'b-ny',
      timeZone: 'America/New_York',
      recurrence: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=3',
      start: '2024-03-12T09:00',
      end: '2024-03-12T09:30',
      overrides: undefined,
    };
    const juarez: BookingSeries = { ...ny, id: 'b-juarez', timeZone: 'America/Ciudad_Juarez' };
    const gone: BookingSeries = { ...weekly, id: 'b-gone', cancelled: true };
    const cal = parseIcal(
      organizerFeed([weekly, ny, gone, juarez], (s) => (s.id === 'b-ny' ? undefined : DIAL_IN), { name: 'chair@example.com bookings', stampMs: STAMP }),
    );
    assert.equal(value(cal, 'METHOD'), 'PUBLISH');
    assert.equal(value(cal, 'X-WR-CALNAME'), 'chair@example.com bookings');
    assert.deepEqual(children(cal, 'VTIMEZONE').map((t) => value(t, 'TZID')).sort(), ['America/Ciudad_Juarez', 'America/New_York', 'Europe/Oslo']);
    assert.deepEqual([...new Set(events(cal).map((e) => value(e, 'UID')))].sort(), ['b-juarez@switchboard', 'b-ny@switchboard', 'b-weekly@switchboard']);
    assert.equal(events(cal).length, 4, 'weekly master + its override + ny + juarez');
    const nyEvent = events(cal).find((e) => value(e, 'UID') === 'b-ny@switchboard')!;
    assert.equal(prop(nyEvent, 'LOCATION'), undefined);
    // Ciudad Juárez is missing from the VTIMEZONE library: the fallback lists its real transitions.
    const juarezTz = children(cal, 'VTIMEZONE').find((t) => value(t, 'TZID') === 'America/Ciudad_Juarez')!;
    const transitions = juarezTz.components.map((c) => [c.name, value(c, 'DTSTART'), value(c, 'TZOFFSETFROM'), value(c, 'TZOFFSETTO')]);
    assert.ok(transitions.some(([name, start, from, to]) => name === 'DAYLIGHT' && start === '20240310T020000' && from === '-0700' && to === '-0600'));
    assert.ok(transitions.some(([name, start, from, to]) => name === 'STANDARD' && start === '20241103T020000' && from === '-0600' && to === '-0700'));
  });
});
