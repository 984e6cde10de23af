/**
 * Booking invitations by e-mail (nodemailer): the booking's .ics as a `text/calendar; method=REQUEST`
 * (or CANCEL) alternative part plus an `invite.ics` attachment, to the organizer and every dial-in
 * invitee with an e-mail address. Without SMTP configuration nothing is sent and a log line says so.
 * A failed delivery is logged and reported in the result, never thrown: the booking itself stands.
 * PINs and SMTP passwords never reach the log.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../shared/logger.ts';
import type { BookingSeries } from './types.ts';
import { bookingCalendar, dialInUri, invitationAddress, type DialIn } from './ical.ts';

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** true = TLS from the start (port 465); false = plain, upgraded with STARTTLS when offered. */
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly pass: string } | undefined;
  /** Sender address, e.g. `"Switchboard" <scheduler@example.com>`. */
  readonly from: string;
}

export interface InvitationOptions {
  readonly method: 'REQUEST' | 'CANCEL';
  readonly dialIn: DialIn | undefined;
  /** With CANCEL: only this occurrence is cancelled. */
  readonly occurrence?: number | undefined;
  /** DTSTAMP (clock.now()). */
  readonly stampMs?: number | undefined;
}

export interface InvitationResult {
  readonly sent: boolean;
  readonly recipients: readonly string[];
  readonly messageId?: string | undefined;
  /** Why nothing was sent: `notConfigured`, `noRecipients`, or the delivery error's message. */
  readonly reason?: string | undefined;
}

export interface BookingMailer {
  readonly configured: boolean;
  sendInvitation(series: BookingSeries, options: InvitationOptions): Promise<InvitationResult>;
  close(): void;
}

export interface MailerDefaults {
  readonly productId?: string | undefined;
  readonly organizerName?: string | undefined;
}

/** The organizer and every dial-in invitee with an e-mail address (the series' and its overrides'). */
export function invitationRecipients(series: BookingSeries): string[] {
  const seen = new Map<string, string>();
  const add = (address: string | undefined): void => {
    if (address !== undefined && !seen.has(address.toLowerCase())) seen.set(address.toLowerCase(), address);
  };
  add(series.organizer);
  for (const p of series.participants) add(invitationAddress(p));
  for (const o of series.overrides ?? []) for (const p of o.participants ?? []) add(invitationAddress(p));
  return [...seen.values()];
}

function subject(series: BookingSeries, options: InvitationOptions): string {
  if (options.method === 'CANCEL') {
    return options.occurrence === undefined ? `Cancelled: ${series.title}` : `Cancelled occurrence: ${series.title}`;
  }
  return series.sequence > 0 ? `Updated invitation: ${series.title}` : `Invitation: ${series.title}`;
}

function body(series: BookingSeries, options: InvitationOptions): string {
  const lines = [
    options.method === 'CANCEL' ? `This meeting has been cancelled: ${series.title}` : `You are invited to a video meeting: ${series.title}`,
    `Organizer: ${series.organizer}`,
    `Starts: ${series.start} (${series.timeZone})${series.recurrence === undefined ? '' : `, repeating ${series.recurrence}`}`,
  ];
  if (options.method === 'REQUEST') {
    if (options.dialIn === undefined) {
      lines.push('Dial-in details follow when the meeting space is assigned.');
    } else {
      lines.push(`Join by video: sip:${dialInUri(options.dialIn)}`, `Conference number: ${options.dialIn.number}`);
    }
    if (series.pin !== undefined) lines.push(`PIN: ${series.pin}`);
  }
  lines.push('', 'The attached calendar entry (invite.ics) adds this meeting to your calendar.');
  return lines.join('\n');
}

/** A mailer for `config`, or one that only logs when `config` is undefined. */
export function createBookingMailer(config: SmtpConfig | undefined, logger: Logger, defaults: MailerDefaults = {}): BookingMailer {
  let transport: Transporter | undefined;
  const transporter = (c: SmtpConfig): Transporter => {
    transport ??= nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      ...(c.auth === undefined ? {} : { auth: { user: c.auth.user, pass: c.auth.pass } }),
    });
    return transport;
  };
  return {
    configured: config !== undefined,
    async sendInvitation(series, options) {
      const recipients = invitationRecipients(series);
      const log = { booking: series.id, method: options.method, recipients: recipients.length };
      if (config === undefined) {
        logger.info(log, 'SMTP not configured: invitation e-mail not sent');
        return { sent: false, recipients, reason: 'notConfigured' };
      }
      if (recipients.length === 0) return { sent: false, recipients, reason: 'noRecipients' };
      const ics = bookingCalendar(series, {
        method: options.method,
        dialIn: options.dialIn,
        occurrence: options.occurrence,
        stampMs: options.stampMs,
        productId: defaults.productId,
        organizerName: defaults.organizerName,
      });
      try {
        const info = (await transporter(config).sendMail({
          from: config.from,
          to: recipients,
          subject: subject(series, options),
          text: body(series, options),
          icalEvent: { method: options.method, filename: 'invite.ics', content: ics },
        })) as { messageId?: string };
        logger.info({ ...log, messageId: info.messageId }, 'invitation e-mail sent');
        return { sent: true, recipients, messageId: info.messageId };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn({ ...log, err: reason }, 'invitation e-mail not delivered');
        return { sent: false, recipients, reason };
      }
    },
    close() {
      transport?.close();
      transport = undefined;
    },
  };
}
