import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_SERIES_OCCURRENCES,
  expandOccurrences,
  parseBookingCreate,
  parseBookingPatch,
  type BookingInput,
  type FieldIssue,
} from '../../../src/scheduler/bookings/index.ts';

const valid = {
  title: 'Board meeting',
  organizer: 'chair@example.com',
  start: '2024-03-18T09:00',
  end: '2024-03-18T10:00',
  timeZone: 'Europe/Oslo',
  recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=10',
  pin: '4321',
  participants: [
    { uri: 'sip:boardroom@example.com', mode: 'dialOut', name: 'Boardroom' },
    { uri: 'alice@example.com', mode: 'dialIn' },
  ],
};

function issues(body: unknown): FieldIssue[] {
  const result = parseBookingCreate(body);
  if (result.ok) assert.fail(`expected the body to be refused: ${JSON.stringify(body)}`);
  return result.issues;
}

function issueAt(body: unknown, path: string): string {
  const found = issues(body).find((i) => i.path === path);
  assert.ok(found, `expected an issue at ${path}, got ${JSON.stringify(issues(body))}`);
  return found.message;
}

describe('booking validation', () => {
  test('a valid create body parses, with defaults and the canonical zone spelling', () => {
    const result = parseBookingCreate({ ...valid, timeZone: 'europe/oslo' });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.value.timeZone, 'Europe/Oslo');
    assert.equal(result.value.type, 'automatic');
    assert.equal(result.value.participants.length, 2);
    assert.equal('name' in (result.value.participants[1] ?? {}), false, 'no undefined keys left behind');
    const minimal = parseBookingCreate({ title: 'x', organizer: 'a@b.no', start: '2024-01-01T10:00', end: '2024-01-01T10:30', timeZone: 'UTC' });
    assert.ok(minimal.ok);
    assert.deepEqual(minimal.value.participants, []);
  });

  test('field errors name the field and say what is wrong', () => {
    assert.match(issueAt({ ...valid, timeZone: 'Europe/Olso' }, 'timeZone'), /unknown IANA time zone 'Europe\/Olso'/);
    assert.match(issueAt({ ...valid, title: 'x'.repeat(201) }, 'title'), /at most 200/);
    assert.match(issueAt({ ...valid, title: '  ' }, 'title'), /empty/);
    assert.ok(issueAt({ ...valid, organizer: 'not-an-address' }, 'organizer'));
    assert.match(issueAt({ ...valid, start: '2024-03-18 09:00' }, 'start'), /local date-time/);
    assert.match(issueAt({ ...valid, start: '2024-02-30T09:00' }, 'start'), /local date-time/);
    assert.match(issueAt({ ...valid, end: '2024-03-18T10:00+01:00' }, 'end'), /no offset/);
    assert.match(issueAt({ ...valid, pin: '12a4' }, 'pin'), /digits/);
    assert.match(issueAt({ ...valid, pin: '1'.repeat(21) }, 'pin'), /digits/);
    assert.ok(issueAt({ ...valid, participants: [{ uri: 'x@y', mode: 'sideways' }] }, 'participants.0.mode'));
    assert.match(issueAt({ ...valid, participants: [{ uri: 'has space@y', mode: 'dialOut' }] }, 'participants.0.uri'), /white space/);
    assert.ok(issueAt({ ...valid, type: 'sometimes' }, 'type'));
    assert.match(issueAt({ ...valid, colour: 'red' }, ''), /colour/);
  });

  test('end must be after start, within 1 minute to 24 hours (compared as instants in the zone)', () => {
    assert.match(issueAt({ ...valid, end: '2024-03-18T09:00' }, 'end'), /after start/);
    assert.match(issueAt({ ...valid, end: '2024-03-18T08:00' }, 'end'), /after start/);
    assert.match(issueAt({ ...valid, end: '2024-03-19T09:01' }, 'end'), /at most 24 hours/);
    assert.match(issueAt({ ...valid, end: '2024-03-18T09:00:30' }, 'end'), /at least 1 minute/);
    // 01:30 → 03:30 on the spring-forward night is one real hour.
    assert.ok(parseBookingCreate({ ...valid, recurrence: undefined, start: '2024-03-31T01:30', end: '2024-03-31T03:30' }).ok);
  });

  test('RRULE problems are refused with the offending part named', () => {
    const cases: [string, RegExp][] = [
      ['FREQ=WEEKLY;COUNT=abc', /COUNT must be an integer/],
      ['FREQ=WEEKLY;INTERVAL=0', /INTERVAL must be an integer from 1/],
      ['FREQ=HOURLY', /FREQ=HOURLY is not supported/],
      ['FREQ=SOMETIMES', /FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY/],
      ['COUNT=3', /needs FREQ/],
      ['FREQ=WEEKLY;BYDAY=XX', /BYDAY must be a list of weekdays/],
      ['FREQ=WEEKLY;BYDAY=2MO', /need FREQ=MONTHLY or FREQ=YEARLY/],
      ['FREQ=WEEKLY;BYHOUR=9', /BYHOUR is not supported/],
      ['FREQ=WEEKLY;BOGUS=1', /unknown RRULE part 'BOGUS'/],
      ['FREQ=WEEKLY;COUNT=3;UNTIL=20250101', /both COUNT and UNTIL/],
      ['FREQ=WEEKLY;COUNT=3;COUNT=4', /appears twice/],
      ['FREQ=WEEKLY;UNTIL=20241340', /not a valid date/],
      ['FREQ=MONTHLY;BYMONTHDAY=40', /BYMONTHDAY must list days/],
      [`FREQ=DAILY;COUNT=${MAX_SERIES_OCCURRENCES + 1}`, /COUNT must be an integer from 1 to 5000/],
      ['FREQ=DAILY;UNTIL=20400101', /goes on after 2034-03-18: every occurrence must start within 10 years of start .*; use an earlier UNTIL/],
      ['FREQ=DAILY;UNTIL=99991231', /goes on after 2034-03-18.*an earlier UNTIL/],
      ['FREQ=DAILY;COUNT=5000', /goes on after 2034-03-18.*a smaller COUNT/],
      ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', /start 2024-03-18T09:00 is not an occurrence of the rule, and the rule has no occurrence within a year of it/],
      ['FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31', /not an occurrence of the rule, and the rule has no occurrence within a year/],
      ['FREQ=WEEKLY;BYSETPOS=7;BYDAY=MO', /not an occurrence of the rule, and the rule has no occurrence within a year/],
      ['FREQ=DAILY;BYMONTH=3;BYMONTHDAY=18;BYDAY=MO;COUNT=3', /goes on after 2034-03-18.*a smaller COUNT/],
      ['FREQ=SECONDLY', /FREQ=SECONDLY is not supported/],
      ['FREQ=MINUTELY;INTERVAL=1', /FREQ=MINUTELY is not supported/],
      ['FREQ=WEEKLY;UNTIL=20240101', /no occurrence on or after start/],
      ['FREQ=WEEKLY;BYDAY=TU', /not an occurrence of the rule; the first one would be 2024-03-19T09:00/],
      ['FREQ=WEEKLY\nEXDATE:20240325T090000', /single RRULE/],
    ];
    for (const [rule, expected] of cases) {
      assert.match(issueAt({ ...valid, recurrence: rule }, 'recurrence'), expected, rule);
    }
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'RRULE:freq=weekly;byday=mo;until=20241231' }).ok, 'prefix and lower case accepted');
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'FREQ=DAILY' }).ok, 'open-ended rules are accepted (expansion bounds them)');
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'FREQ=DAILY;UNTIL=20340318' }).ok, 'daily for exactly ten years');
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'FREQ=DAILY;COUNT=3653' }).ok, 'the same by COUNT');
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'FREQ=DAILY;BYMONTH=3;BYMONTHDAY=18;BYDAY=MO;COUNT=2' }).ok, 'sparse, ending in 2030');
    assert.ok(parseBookingCreate({ ...valid, recurrence: 'FREQ=DAILY', overrides: [{ occurrence: 3653, cancelled: true }] }).ok);
    assert.match(issueAt({ ...valid, recurrence: 'FREQ=DAILY', overrides: [{ occurrence: 3654, cancelled: true }] }, 'overrides.0.occurrence'), /has 3653 occurrences; there is no occurrence 3654/);
  });

  test('overrides must name occurrences that exist, once, with sane times', () => {
    assert.match(issueAt({ ...valid, overrides: [{ occurrence: 11, cancelled: true }] }, 'overrides.0.occurrence'), /has 10 occurrences; there is no occurrence 11/);
    assert.match(
      issueAt({ ...valid, overrides: [{ occurrence: 2, cancelled: true }, { occurrence: 2, title: 'x' }] }, 'overrides.1.occurrence'),
      /overridden twice/,
    );
    assert.match(issueAt({ ...valid, overrides: [{ occurrence: 2, start: '2024-03-25T11:00', end: '2024-03-25T10:00' }] }, 'overrides.0.end'), /after start/);
    assert.match(issueAt({ ...valid, overrides: [{ occurrence: 2, end: '2024-03-25T11:00' }] }, 'overrides.0.start'), /give start too/);
    assert.match(issueAt({ ...valid, recurrence: undefined, overrides: [{ occurrence: 2, cancelled: true }] }, 'overrides.0.occurrence'), /has 1 occurrence;/);
    assert.ok(issueAt({ ...valid, overrides: [{ occurrence: 0, cancelled: true }] }, 'overrides.0.occurrence'));
    const ok = parseBookingCreate({ ...valid, overrides: [{ occurrence: 2, cancelled: true }, { occurrence: 3, start: '2024-04-02T15:00', pin: null }] });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.value.overrides?.[1]?.pin, null);
  });

  test('overrides are bounded: 500 in all, 100 that change an occurrence', () => {
    const daily = { ...valid, recurrence: 'FREQ=DAILY' };
    const cancelled = Array.from({ length: 500 }, (_, i) => ({ occurrence: i + 1, cancelled: true }));
    assert.ok(parseBookingCreate({ ...daily, overrides: cancelled }).ok, '500 cancellations');
    assert.match(issueAt({ ...daily, overrides: [...cancelled, { occurrence: 501, cancelled: true }] }, 'overrides'), /at most 500 changed or cancelled occurrences/);
    const retitled = Array.from({ length: 100 }, (_, i) => ({ occurrence: i + 1, title: `Session ${i + 1}` }));
    assert.ok(parseBookingCreate({ ...daily, overrides: retitled }).ok, '100 changes');
    assert.equal(
      issueAt({ ...daily, overrides: [...retitled, { occurrence: 101, pin: null }] }, 'overrides'),
      'at most 100 occurrences may be changed (this has 101); cancelling one does not count',
    );
    // Lists are measured before their elements are parsed: 2000 participants in all, series and overrides.
    const crowd = (n: number) => Array.from({ length: n }, (_, i) => ({ uri: `guest${i}@example.com`, mode: 'dialIn' }));
    assert.ok(parseBookingCreate({ ...daily, participants: crowd(500), overrides: [1, 2, 3].map((occurrence) => ({ occurrence, participants: crowd(500) })) }).ok);
    assert.deepEqual(issues({ ...daily, participants: crowd(500), overrides: [1, 2, 3, 4].map((occurrence) => ({ occurrence, participants: crowd(500) })) }), [
      { path: 'overrides', message: 'at most 2000 participants in the series and its overrides together (this lists 2500)' },
    ]);
    assert.deepEqual(issues({ ...daily, overrides: Array.from({ length: 100_000 }, () => 0) }), [{ path: 'overrides', message: 'at most 500 changed or cancelled occurrences' }]);
    assert.deepEqual(issues({ ...daily, participants: Array.from({ length: 100_000 }, () => 0) }), [{ path: 'participants', message: 'at most 500 participants' }]);
  });

  test('patches merge into the current booking and are checked as a whole', () => {
    const created = parseBookingCreate({ ...valid, overrides: [{ occurrence: 2, cancelled: true }] });
    assert.ok(created.ok);
    const current: BookingInput = created.value;

    const retitled = parseBookingPatch(current, { title: 'New title', pin: null });
    assert.ok(retitled.ok);
    assert.equal(retitled.value.title, 'New title');
    assert.equal(retitled.value.pin, undefined);
    assert.equal(retitled.value.recurrence, current.recurrence);
    assert.deepEqual(retitled.value.overrides, current.overrides, 'unchanged pattern keeps its overrides');

    const repatterned = parseBookingPatch(current, { recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4' });
    assert.ok(repatterned.ok);
    assert.equal(repatterned.value.overrides, undefined, 'a new pattern drops the old overrides');
    const single = parseBookingPatch(current, { recurrence: null, overrides: null });
    assert.ok(single.ok);
    assert.equal(single.value.recurrence, undefined);
    assert.equal(expandOccurrences({ ...single.value, id: 'x', sequence: 0 }, 0, Date.UTC(2100, 0, 1)).length, 1);

    const backwards = parseBookingPatch(current, { end: '2024-03-18T08:00' });
    assert.equal(backwards.ok ? '' : backwards.issues[0]?.path, 'end');
    const badField = parseBookingPatch(current, { timeZone: 'Mars/Olympus' });
    assert.equal(badField.ok ? '' : badField.issues[0]?.path, 'timeZone');
    const movedStart = parseBookingPatch(current, { start: '2024-03-19T09:00', end: '2024-03-19T10:00' });
    assert.match(movedStart.ok ? '' : (movedStart.issues[0]?.message ?? ''), /not an occurrence of the rule/);
  });
});
