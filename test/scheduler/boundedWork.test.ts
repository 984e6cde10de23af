/**
 * Bounded work per request (issue #13, finding 2; docs/bookings.md "Bounded work per request"): rules
 * that would make the scheduler walk its recurrence for years are refused at once with their own
 * message, a long valid rule still books, and the limits that bound one request's writes, conflict list
 * and body size answer with clear errors and store nothing. No timing is asserted: each test checks the
 * error the bound produces, which the unbounded code did not.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { bridgeCapabilities, driveClock, SCHEDULER_USER, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge } from '../support/scheduler.ts';

const booking = (recurrence: string, start = '2026-01-05T10:00', end = '2026-01-05T11:00') => ({
  title: 'Standing meeting',
  organizer: 'org@example.com',
  start,
  end,
  timeZone: 'Europe/Oslo',
  recurrence,
});

function recurrenceIssue(res: { status: number; json: any; text: string }): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error.code, 'validationFailed', res.text);
  const issue = (res.json.error.details as { path: string; message: string }[]).find((d) => d.path === 'recurrence');
  assert.ok(issue, res.text);
  return issue.message;
}

forEachDialect('scheduler: bounded work per request', (dialect) => {
  describe('without a bridge', () => {
    let s: TestScheduler;
    before(async () => {
      s = await startTestScheduler(dialect, new FakeClock(Date.UTC(2026, 0, 5, 8)));
    });
    after(() => s.close());

    test('a rule that never yields (30 February) is refused at once, and nothing is stored', async () => {
      const message = recurrenceIssue(await s.api('POST', '/bookings', booking('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30')));
      assert.equal(message, 'start 2026-01-05T10:00 is not an occurrence of the rule, and the rule has no occurrence within a year of it');
      // Three at once, while an unauthenticated client reads the OpenAPI document.
      const [doc, refused] = await Promise.all([
        http('GET', `${s.scheduler.url}/api/v1/openapi.json`),
        Promise.all(['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=WEEKLY;BYSETPOS=7;BYDAY=MO', 'FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31'].map((r) => s.api('POST', '/bookings', booking(r)))),
      ]);
      assert.equal(doc.status, 200);
      for (const res of refused) assert.match(recurrenceIssue(res), /is not an occurrence of the rule, and the rule has no occurrence within a year of it/);
      assert.deepEqual((await s.api('GET', '/bookings')).json, []);
    });

    test('rules that would run past ten years, and sub-daily frequencies, are refused with the bound named', async () => {
      const cases: [string, RegExp][] = [
        ['FREQ=DAILY;COUNT=5000', /^the rule goes on after 2036-01-05: every occurrence must start within 10 years of start .*; use a smaller COUNT$/],
        ['FREQ=DAILY;UNTIL=99991231', /^the rule goes on after 2036-01-05: .*; use an earlier UNTIL$/],
        ['FREQ=DAILY;BYMONTH=1;BYMONTHDAY=5;BYDAY=MO;COUNT=3', /goes on after 2036-01-05/],
        ['FREQ=SECONDLY', /FREQ=SECONDLY is not supported/],
        ['FREQ=MINUTELY;INTERVAL=1', /FREQ=MINUTELY is not supported/],
        ['FREQ=HOURLY', /FREQ=HOURLY is not supported/],
        ['FREQ=DAILY;BYHOUR=1,2,3', /BYHOUR is not supported/],
        [`FREQ=DAILY;BYSETPOS=${Array.from({ length: 300 }, (_, i) => i + 1).join(',')}`, /1000 characters/],
      ];
      for (const [rule, expected] of cases) assert.match(recurrenceIssue(await s.api('POST', '/bookings', booking(rule))), expected, rule);
      assert.deepEqual((await s.api('GET', '/bookings')).json, []);
    });

    test('bodies have size limits per route: 64 KiB in general, 1 MiB for a booking', async () => {
      const bridgeBody = JSON.stringify({ address: 'x'.repeat(70_000), username: 'u', password: 'p' });
      const bridge = await http('POST', `${s.scheduler.url}/api/v1/bridges`, { auth: SCHEDULER_USER, body: bridgeBody, contentType: 'application/json' });
      assert.equal(bridge.status, 413, bridge.text);
      assert.equal(JSON.parse(bridge.text).error.code, 'badRequest');
      // The same size is fine for a booking (and refused for what it says).
      const sized = await s.api('POST', '/bookings', { ...booking('FREQ=WEEKLY'), title: 'x'.repeat(70_000) });
      assert.equal(sized.status, 400);
      assert.equal(sized.json.error.code, 'validationFailed');
      const huge = await http('POST', `${s.scheduler.url}/api/v1/bookings`, { auth: SCHEDULER_USER, body: JSON.stringify({ ...booking('FREQ=WEEKLY'), title: 'x'.repeat(1_100_000) }), contentType: 'application/json' });
      assert.equal(huge.status, 413);
      assert.deepEqual((await s.api('GET', '/bookings')).json, []);
    });
  });

  describe('with a provisioned bridge', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 8));
    let s: TestScheduler;
    let b: TracedBridge;
    let bridgeDb: TestDatabase;
    let ready = false;
    before(async () => {
      bridgeDb = await freshDatabase(dialect, 'bridge');
      b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core1');
      s = await startTestScheduler(dialect, clock, { key: randomBytes(32) });
      const missing = await bridgeCapabilities(b.bridge.url);
      if (missing.length > 0) return;
      const added = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
      assert.equal(added.status, 201, added.text);
      const configured = await driveClock(clock, s.api('PATCH', `/bridges/${added.json.id as string}`, { name: 'Core1', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 5 } }));
      assert.equal(configured.status, 200, configured.text);
      ready = true;
    });
    after(async () => {
      await s.close();
      await b.close();
      await bridgeDb.dispose();
    });

    test('a daily rule for ten years books: its first 400 days are scheduled, the .ics carries the whole rule', async (t) => {
      if (!ready) return t.skip('the bridge lacks the objects the scheduler drives');
      const res = await s.api('POST', '/bookings', booking('FREQ=DAILY;UNTIL=20360105', '2026-01-05T09:00', '2026-01-05T09:15'));
      assert.equal(res.status, 201, res.text);
      const occurrences = res.json.occurrences as { occurrence: number; start: string }[];
      // Scheduled 400 days ahead of now (a few seconds after 08:00Z: provisioning moved the clock).
      const horizon = clock.now() + 400 * 86_400_000;
      assert.equal(occurrences[0]?.start, '2026-01-05T08:00:00.000Z');
      assert.equal(occurrences.at(-1)?.start, '2027-02-09T08:00:00.000Z');
      assert.ok(Date.parse(occurrences.at(-1)?.start ?? '') < horizon && Date.parse(occurrences.at(-1)?.start ?? '') + 86_400_000 >= horizon);
      assert.deepEqual(occurrences.map((o) => o.occurrence), Array.from({ length: 401 }, (_, i) => i + 1));
      const ics = await s.api('GET', `/bookings/${res.json.id as string}.ics`);
      assert.equal(ics.status, 200);
      assert.match(ics.text, /RRULE:FREQ=DAILY;UNTIL=20360105T225959Z/);
      const deleted = await s.api('DELETE', `/bookings/${res.json.id as string}`);
      assert.equal(deleted.status, 204);
    });

    test('a booking that would schedule more than 20,000 participant places is refused, and nothing is stored', async (t) => {
      if (!ready) return t.skip('the bridge lacks the objects the scheduler drives');
      const listed = (await s.api('GET', '/bookings')).text;
      const participants = Array.from({ length: 60 }, (_, i) => ({ uri: `guest${i}@example.com`, mode: 'dialIn' }));
      const res = await s.api('POST', '/bookings', { ...booking('FREQ=DAILY', '2026-01-05T12:00', '2026-01-05T12:30'), participants });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.code, 'validationFailed');
      assert.deepEqual(res.json.error.details, [
        {
          path: 'participants',
          message: "the booking's meetings in the next 400 days would have 24000 participants in all (400 meetings); at most 20000: book fewer participants or fewer occurrences",
        },
      ]);
      assert.equal((await s.api('GET', '/bookings')).text, listed);
      // Weekly, the same people fit (58 meetings).
      const weekly = await s.api('POST', '/bookings', { ...booking('FREQ=WEEKLY', '2026-01-05T12:00', '2026-01-05T12:30'), participants });
      assert.equal(weekly.status, 201, weekly.text);
      assert.equal((weekly.json.occurrences as unknown[]).length, 58);
      assert.equal(JSON.parse((await s.api('GET', `/bookings/${weekly.json.id as string}`)).text).occurrences[57].participants.length, 60);
      assert.equal((await s.api('DELETE', `/bookings/${weekly.json.id as string}`)).status, 204);
    });

    test('a booking conflicting on every day lists the first 100 conflicts and says so', async (t) => {
      if (!ready) return t.skip('the bridge lacks the objects the scheduler drives');
      const room = [{ uri: 'sip:boardroom@example.com', mode: 'dialOut' }];
      const first = await s.api('POST', '/bookings', { ...booking('FREQ=DAILY', '2026-01-05T14:00', '2026-01-05T15:00'), participants: room });
      assert.equal(first.status, 201, first.text);
      const listed = (await s.api('GET', '/bookings')).text;
      const second = await s.api('POST', '/bookings', { ...booking('FREQ=DAILY', '2026-01-05T14:30', '2026-01-05T15:30'), participants: room });
      assert.equal(second.status, 409, second.text);
      assert.equal(second.json.error.code, 'bookingConflict');
      assert.equal(second.json.error.message, 'the booking conflicts with other bookings (the first conflicts found are listed)');
      const details = second.json.error.details as { reason: string; occurrence: number }[];
      assert.equal(details.length, 100);
      assert.ok(details.every((d) => d.reason === 'participantDoubleBooked'));
      assert.deepEqual(details.map((d) => d.occurrence), Array.from({ length: 100 }, (_, i) => i + 1));
      assert.equal((await s.api('GET', '/bookings')).text, listed);
    });
  });
});
