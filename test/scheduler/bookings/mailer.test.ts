import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { createBookingMailer, invitationRecipients, type BookingSeries } from '../../../src/scheduler/bookings/index.ts';
import { createLogger, silentLogger, type Logger } from '../../../src/shared/logger.ts';
import { leaves, parseMime, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { children, parseIcal, prop, unescapeText } from '../../support/ical.ts';

const SMTP_AUTH = { user: 'scheduler', pass: 's3cret-pass' };
const DIAL_IN = { number: '88001234', domain: 'vc.example.com' };

const booking: BookingSeries = {
  id: 'b-mail',
  title: 'Quarterly review',
  organizer: 'chair@example.com',
  start: '2024-06-03T10:00',
  end: '2024-06-03T11:00',
  timeZone: 'Europe/Oslo',
  recurrence: 'FREQ=WEEKLY;COUNT=3',
  pin: '97531',
  participants: [
    { uri: 'sip:boardroom@example.com', mode: 'dialOut' },
    { uri: 'alice@example.com', mode: 'dialIn', name: 'Alice' },
    { uri: '+4712345678', mode: 'dialIn', email: 'bob@example.com' },
    { uri: 'ALICE@example.com', mode: 'dialIn' },
  ],
  type: 'automatic',
  sequence: 0,
};

function captureLogger(): { logger: Logger; lines: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { logger: createLogger({ level: 'info', destination: stream }), lines: () => chunks.join('') };
}

describe('invitation mailer', () => {
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp(SMTP_AUTH);
  });
  after(async () => {
    await smtp.close();
  });

  test('recipients: the organizer and dial-in invitees with an address, once each', () => {
    assert.deepEqual(invitationRecipients(booking), ['chair@example.com', 'alice@example.com', 'bob@example.com']);
  });

  test('a REQUEST reaches a real SMTP server with a text/calendar; method=REQUEST part', async () => {
    const { logger, lines } = captureLogger();
    const mailer = createBookingMailer(
      { host: '127.0.0.1', port: smtp.port, secure: false, auth: SMTP_AUTH, from: '"Switchboard" <scheduler@example.com>' },
      logger,
    );
    try {
      const result = await mailer.sendInvitation(booking, { method: 'REQUEST', dialIn: DIAL_IN });
      assert.equal(result.sent, true, result.reason);
      assert.equal(smtp.received.length, 1);
      const mail = smtp.received[0]!;
      assert.equal(mail.user, 'scheduler');
      assert.equal(mail.from, 'scheduler@example.com');
      assert.deepEqual(mail.to, ['chair@example.com', 'alice@example.com', 'bob@example.com']);

      const message = parseMime(mail.raw);
      assert.equal(message.headers['subject'], 'Invitation: Quarterly review');
      assert.match(message.headers['from'] ?? '', /scheduler@example\.com/);
      assert.match(message.headers['to'] ?? '', /alice@example\.com/);
      assert.match(message.headers['content-type'] ?? '', /^multipart\/mixed/);
      const parts = leaves(message);
      const calendarPart = parts.find((p) => /^text\/calendar/i.test(p.headers['content-type'] ?? ''));
      assert.ok(calendarPart, 'text/calendar part');
      assert.match(calendarPart.headers['content-type'] ?? '', /method=REQUEST/);
      const attachment = parts.find((p) => /^application\/ics/i.test(p.headers['content-type'] ?? ''));
      assert.match(attachment?.headers['content-disposition'] ?? '', /attachment/);
      assert.equal(attachment?.body, calendarPart.body);
      const text = parts.find((p) => /^text\/plain/i.test(p.headers['content-type'] ?? ''));
      assert.match(text?.body ?? '', /sip:88001234@vc\.example\.com/);
      assert.match(text?.body ?? '', /PIN: 97531/);

      const cal = parseIcal(calendarPart.body);
      assert.equal(prop(cal, 'METHOD')?.value, 'REQUEST');
      const [event] = children(cal, 'VEVENT');
      assert.equal(prop(event!, 'UID')?.value, 'b-mail@switchboard');
      assert.equal(prop(event!, 'RRULE')?.value, 'FREQ=WEEKLY;COUNT=3');
      assert.match(unescapeText(prop(event!, 'DESCRIPTION')?.value ?? ''), /PIN: 97531/);

      assert.match(lines(), /invitation e-mail sent/);
      assert.doesNotMatch(lines(), /97531|s3cret-pass/, 'no PIN or SMTP password in the log');
    } finally {
      mailer.close();
    }
  });

  test('a cancellation sends method=CANCEL with STATUS:CANCELLED', async () => {
    const mailer = createBookingMailer({ host: '127.0.0.1', port: smtp.port, secure: false, auth: SMTP_AUTH, from: 'scheduler@example.com' }, silentLogger());
    try {
      const before = smtp.received.length;
      const result = await mailer.sendInvitation({ ...booking, sequence: 1, cancelled: true }, { method: 'CANCEL', dialIn: DIAL_IN });
      assert.equal(result.sent, true, result.reason);
      const message = parseMime(smtp.received[before]!.raw);
      assert.equal(message.headers['subject'], 'Cancelled: Quarterly review');
      const calendarPart = leaves(message).find((p) => /^text\/calendar/i.test(p.headers['content-type'] ?? ''))!;
      assert.match(calendarPart.headers['content-type'] ?? '', /method=CANCEL/);
      const cal = parseIcal(calendarPart.body);
      assert.equal(prop(cal, 'METHOD')?.value, 'CANCEL');
      assert.equal(prop(children(cal, 'VEVENT')[0]!, 'STATUS')?.value, 'CANCELLED');
      assert.equal(prop(children(cal, 'VEVENT')[0]!, 'SEQUENCE')?.value, '1');
    } finally {
      mailer.close();
    }
  });

  test('without SMTP configuration nothing is sent and a log line says so', async () => {
    const { logger, lines } = captureLogger();
    const mailer = createBookingMailer(undefined, logger);
    const before = smtp.received.length;
    const result = await mailer.sendInvitation(booking, { method: 'REQUEST', dialIn: DIAL_IN });
    assert.equal(mailer.configured, false);
    assert.deepEqual([result.sent, result.reason], [false, 'notConfigured']);
    assert.equal(smtp.received.length, before);
    const line = JSON.parse(lines().trim().split('\n').at(-1) ?? '{}');
    assert.equal(line.msg, 'SMTP not configured: invitation e-mail not sent');
    assert.equal(line.booking, 'b-mail');
  });

  test('a refused login or an unreachable server is reported, not thrown', async () => {
    const wrong = createBookingMailer({ host: '127.0.0.1', port: smtp.port, secure: false, auth: { user: 'scheduler', pass: 'wrong' }, from: 'scheduler@example.com' }, silentLogger());
    const denied = await wrong.sendInvitation(booking, { method: 'REQUEST', dialIn: DIAL_IN });
    wrong.close();
    assert.equal(denied.sent, false);
    assert.match(denied.reason ?? '', /Invalid username or password|auth/i);

    const closed = await startTestSmtp();
    const port = closed.port;
    await closed.close();
    const nowhere = createBookingMailer({ host: '127.0.0.1', port, secure: false, from: 'scheduler@example.com' }, silentLogger());
    const unreachable = await nowhere.sendInvitation(booking, { method: 'REQUEST', dialIn: DIAL_IN });
    nowhere.close();
    assert.equal(unreachable.sent, false);
    assert.match(unreachable.reason ?? '', /ECONNREFUSED|connect/i);
  });
});
