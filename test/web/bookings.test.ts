/**
 * Bookings pages on the scheduler's own booking service, managing a real bridge over the CMS API,
 * time driven by a FakeClock: book a meeting starting in a minute with two dial-outs, watch it go live
 * with them connected, extend it, end it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { schedulerBookingsBackend } from '../../src/webPorts.ts';
import { bookingsPart } from '../../src/web/bookings/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { API_USER } from '../support/bridge.ts';
import { freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { driveClock, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge } from '../support/scheduler.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 58, 0);

describe('Bookings pages on the scheduler', () => {
  let clock: FakeClock;
  let bridgeDb: TestDatabase;
  let b: TracedBridge;
  let s: TestScheduler;
  let web: TestWeb;
  let client: WebClient;

  const drive = <R>(pending: Promise<R>): Promise<R> => driveClock(clock, pending);

  async function at(instant: number): Promise<void> {
    await clock.advanceTo(instant);
    await s.scheduler.runner.runDue();
  }

  before(async () => {
    clock = new FakeClock(T0);
    bridgeDb = await freshDatabase('sqlite', 'bridge');
    b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Web');
    await http('POST', `${b.bridge.url}/api/v1/outboundDialPlanRules`, { auth: API_USER, body: 'domain=*&priority=1' });
    s = await startTestScheduler('sqlite', clock, { key: randomBytes(32) });
    const added = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const configured = await drive(s.api('PATCH', `/bridges/${added.json.id as string}`, { name: 'Core', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 5 } }));
    assert.equal(configured.status, 200, configured.text);
    const backend = schedulerBookingsBackend(s.scheduler, clock);
    web = await startTestWeb('sqlite', { registry: new PageRegistry().add(bookingsPart(backend)) });
    await web.addUser('booker', 'booker');
    await web.addUser('viewer', 'viewer');
    client = new WebClient(web.url);
    await client.login('booker');
  });
  after(async () => {
    await web.close();
    await s.close();
    await b.close();
    await bridgeDb.dispose();
  });

  let bookingId = '';

  test('book a meeting starting in a minute with two dial-outs', async () => {
    const form = await client.get('/bookings/new');
    assert.equal(form.status, 200);
    const bad = await client.post('/bookings', { title: '', organizer: 'x@example.com', date: '2026-01-05', start: '10:00', end: '10:30', timeZone: 'UTC', repeat: 'none', participants: '' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert"/);
    const res = await client.post('/bookings', {
      title: 'Web <standup>',
      organizer: 'booker@example.com',
      date: '2026-01-05',
      start: '09:59',
      end: '10:29',
      timeZone: 'UTC',
      repeat: 'none',
      pin: '4321',
      participants: 'Alice <alice@example.com>\nbob@example.com',
    });
    assert.equal(res.status, 303, res.text.slice(0, 2000));
    bookingId = /\/bookings\/([^?]+)/.exec(String(res.headers['location']))?.[1] ?? '';
    const page = await client.get(`/bookings/${bookingId}`);
    assert.match(page.text, /<h1>Web &lt;standup&gt;<\/h1>/);
    assert.match(page.text, /<span class="state ">scheduled<\/span>/);
    const week = await client.get('/bookings?view=week&date=2026-01-05');
    assert.match(week.text, /<span class="time">09:59–10:29<\/span> Web &lt;standup&gt;/);
    const ics = await client.get(`/bookings/${bookingId}.ics`);
    assert.match(ics.text, /BEGIN:VCALENDAR/);
  });

  test('a viewer never sees the PIN: not on the page, not in the .ics; a booker gets it in the .ics', async () => {
    const unfolded = (text: string): string => text.replace(/\r\n[ \t]/g, '');
    const viewer = new WebClient(web.url);
    await viewer.login('viewer');
    const page = await viewer.get(`/bookings/${bookingId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>PIN<\/dt><dd>set<\/dd>/);
    assert.doesNotMatch(page.text, /4321/);
    const ics = await viewer.get(`/bookings/${bookingId}.ics`);
    assert.equal(ics.status, 200);
    assert.match(ics.text, /BEGIN:VEVENT/);
    assert.doesNotMatch(unfolded(ics.text), /PIN/);
    assert.equal(ics.headers['content-disposition'], `attachment; filename="${bookingId}.ics"`);
    assert.match(unfolded((await client.get(`/bookings/${bookingId}.ics`)).text), /PIN: 4321/);
  });

  test('it goes live with its dial-outs connected, is extended, then ended', async () => {
    await at(T0 + 60_000); // "a minute" passes on the FakeClock; the runner starts the meeting
    let page = await client.get(`/bookings/${bookingId}`);
    assert.match(page.text, /<span class="state ok">live<\/span>/, page.text.slice(page.text.indexOf('<table'), page.text.indexOf('</table>')));
    assert.match(page.text, /2 of 2 dial-outs connected/);
    const extended = await client.post(`/bookings/${bookingId}/occurrences/1/extend`, { minutes: '15' });
    assert.equal(extended.status, 303, extended.text.slice(0, 1500));
    page = await client.get(`/bookings/${bookingId}`);
    assert.match(page.text, /09:59–10:44/);
    const ended = await client.post(`/bookings/${bookingId}/occurrences/1/end`);
    assert.equal(ended.status, 303);
    await at(clock.now() + 1000);
    page = await client.get(`/bookings/${bookingId}`);
    assert.match(page.text, /<span class="state ">ended<\/span>/);
  });
});
