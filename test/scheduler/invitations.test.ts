/**
 * Invitation e-mails end to end: a real scheduler configured with a real SMTP server (port 0) sends
 * METHOD:REQUEST on create and on every change (SEQUENCE bumped), METHOD:CANCEL when an occurrence or the
 * series is cancelled. A delivery failure is recorded in the audit log and never fails the booking.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { children, parseIcal, prop } from '../support/ical.ts';
import { bridgeCapabilities, startTestScheduler, startTracedBridge, type TestScheduler } from '../support/scheduler.ts';
import { leaves, parseMime, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const T = (h: number, m = 0): number => Date.UTC(2026, 0, 5, h, m, 0);
const SMTP_AUTH = { user: 'scheduler', pass: 'smtp-secret' };

const BOOKING = {
  title: 'Weekly sync',
  organizer: 'chair@example.com',
  start: '2026-01-06T10:00',
  end: '2026-01-06T11:00',
  timeZone: 'Europe/London',
  recurrence: 'FREQ=WEEKLY;COUNT=3',
  pin: '24680',
  participants: [
    { uri: 'alice@example.com', mode: 'dialIn' },
    { uri: 'sip:bob@example.com', mode: 'dialIn' },
    { uri: 'room1@video.example.com', mode: 'dialOut' },
  ],
};

forEachDialect('scheduler invitation e-mails', (dialect) => {
  async function world(t: TestContext, smtpPort?: number): Promise<{ s: TestScheduler; smtp: TestSmtp } | undefined> {
    const clock = new FakeClock(T(8));
    const smtp = await startTestSmtp(SMTP_AUTH);
    const bridgeDb = await freshDatabase(dialect, 'bridge');
    const b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core1');
    const s = await startTestScheduler(dialect, clock, {
      smtp: { host: '127.0.0.1', port: smtpPort ?? smtp.port, secure: false, auth: SMTP_AUTH, from: 'Switchboard <scheduler@example.com>' },
    });
    t.after(async () => {
      await s.close();
      await b.close();
      await bridgeDb.dispose();
      await smtp.close();
    });
    const missing = await bridgeCapabilities(b.bridge.url);
    if (missing.length > 0) {
      t.skip(`bridge lacks ${missing.join(', ')}`);
      return undefined;
    }
    const added = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const patch = s.api('PATCH', `/bridges/${added.json.id as string}`, { name: 'Core1', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 3 } });
    const state = { done: false };
    void patch.finally(() => (state.done = true));
    for (let i = 0; i < 2000 && !state.done; i++) {
      await clock.advance(250);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.equal((await patch).status, 200);
    return { s, smtp };
  }

  function calendarOf(raw: string): { contentType: string; method: string | undefined; events: ReturnType<typeof children> } {
    const part = leaves(parseMime(raw)).find((p) => /^text\/calendar/i.test(p.headers['content-type'] ?? ''));
    assert.ok(part, 'a text/calendar part');
    const cal = parseIcal(part.body);
    return { contentType: part.headers['content-type'] ?? '', method: prop(cal, 'METHOD')?.value, events: children(cal, 'VEVENT') };
  }

  test('create, change, cancel one occurrence, cancel the series: REQUEST, REQUEST, CANCEL, CANCEL with rising SEQUENCE', async (t) => {
    const w = await world(t);
    if (!w) return;
    const { s, smtp } = w;
    const created = await s.api('POST', '/bookings', BOOKING);
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    await s.scheduler.invitations.flush();
    assert.equal(smtp.received.length, 1);
    const first = smtp.received[0]!;
    assert.equal(first.user, 'scheduler');
    assert.equal(first.from, 'scheduler@example.com');
    assert.deepEqual(first.to, ['chair@example.com', 'alice@example.com', 'bob@example.com'], 'organizer and dial-in invitees; not the dialled room');
    const invite = calendarOf(first.raw);
    assert.match(invite.contentType, /method=REQUEST/);
    assert.equal(invite.method, 'REQUEST');
    assert.equal(prop(invite.events[0]!, 'SEQUENCE')?.value, '0');
    assert.equal(prop(invite.events[0]!, 'RRULE')?.value, 'FREQ=WEEKLY;COUNT=3');

    const changed = await s.api('PATCH', `/bookings/${id}`, { title: 'Weekly sync (moved)', start: '2026-01-06T10:30', end: '2026-01-06T11:30' });
    assert.equal(changed.status, 200, changed.text);
    await s.scheduler.invitations.flush();
    assert.equal(smtp.received.length, 2);
    const update = calendarOf(smtp.received[1]!.raw);
    assert.equal(update.method, 'REQUEST');
    assert.equal(prop(update.events[0]!, 'SEQUENCE')?.value, '1');
    assert.equal(prop(update.events[0]!, 'SUMMARY')?.value, 'Weekly sync (moved)');
    assert.equal(parseMime(smtp.received[1]!.raw).headers['subject'], 'Updated invitation: Weekly sync (moved)');

    const one = await s.api('DELETE', `/bookings/${id}/occurrences/2`);
    assert.equal(one.status, 200, one.text);
    await s.scheduler.invitations.flush();
    assert.equal(smtp.received.length, 3);
    const cancelOne = calendarOf(smtp.received[2]!.raw);
    assert.match(cancelOne.contentType, /method=CANCEL/);
    assert.equal(cancelOne.method, 'CANCEL');
    assert.equal(cancelOne.events.length, 1);
    assert.ok(prop(cancelOne.events[0]!, 'RECURRENCE-ID'), 'only the one occurrence is cancelled');
    assert.equal(prop(cancelOne.events[0]!, 'SEQUENCE')?.value, '2');

    const all = await s.api('DELETE', `/bookings/${id}`);
    assert.ok(all.status < 300, all.text);
    await s.scheduler.invitations.flush();
    assert.equal(smtp.received.length, 4);
    const cancelAll = calendarOf(smtp.received[3]!.raw);
    assert.equal(cancelAll.method, 'CANCEL');
    assert.equal(prop(cancelAll.events[0]!, 'STATUS')?.value, 'CANCELLED');
    assert.equal(prop(cancelAll.events[0]!, 'SEQUENCE')?.value, '3');
    assert.equal(prop(cancelAll.events[0]!, 'RECURRENCE-ID'), undefined, 'the whole series');

    const notes = (await s.api('GET', `/bookings/${id}/audit`)).json as Array<{ kind: string; error?: string }>;
    assert.deepEqual(
      notes.filter((n) => n.kind === 'note' && /^invitation/.test(n.error ?? '')).map((n) => n.error),
      [
        'invitation REQUEST sequence 0 sent to 3 recipient(s)',
        'invitation REQUEST sequence 1 sent to 3 recipient(s)',
        'invitation CANCEL (occurrence 2) sequence 2 sent to 3 recipient(s)',
        'invitation CANCEL sequence 3 sent to 3 recipient(s)',
      ],
    );
    assert.ok(smtp.received.every((m) => !m.raw.includes('smtp-secret')));
  });

  test('an unreachable SMTP server: the booking stands, the failure is in its audit log', async (t) => {
    const closed = await startTestSmtp();
    const port = closed.port;
    await closed.close();
    const w = await world(t, port);
    if (!w) return;
    const created = await w.s.api('POST', '/bookings', BOOKING);
    assert.equal(created.status, 201, created.text);
    await w.s.scheduler.invitations.flush();
    const id = created.json.id as string;
    assert.equal((await w.s.api('GET', `/bookings/${id}`)).status, 200);
    const notes = ((await w.s.api('GET', `/bookings/${id}/audit`)).json as Array<{ kind: string; error?: string }>).filter((n) => /^invitation/.test(n.error ?? ''));
    assert.equal(notes.length, 1);
    assert.match(notes[0]?.error ?? '', /^invitation REQUEST sequence 0 not sent: .*(ECONNREFUSED|connect)/i);
  });
});
