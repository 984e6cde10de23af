/**
 * Invitation e-mails for booking changes: METHOD:REQUEST to the organizer and invitees when a booking is
 * created or changed (the series' SEQUENCE bumped by every change), METHOD:CANCEL when the series or one
 * occurrence is cancelled. Sent in the background, one at a time in the order of the changes; the result
 * (sent, or why not) is recorded in the booking's audit log. A failed delivery never fails the booking.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { BookingMailer, BookingSeries, DialIn } from '../bookings/index.ts';
import type { SchedulerStorage } from '../storage/index.ts';

export interface InvitationNotice {
  readonly method: 'REQUEST' | 'CANCEL';
  /** With CANCEL: only this occurrence. */
  readonly occurrence?: number | undefined;
}

export class InvitationService {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly mailer: BookingMailer,
    private readonly storage: SchedulerStorage,
    private readonly dialIn: (series: BookingSeries) => Promise<DialIn | undefined>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get configured(): boolean {
    return this.mailer.configured;
  }

  /** Queues the e-mail for this change; returns at once. */
  notify(series: BookingSeries, notice: InvitationNotice): void {
    if (!this.mailer.configured) return;
    this.#queue = this.#queue.then(() => this.#send(series, notice)).catch((error: unknown) => this.logger.warn({ err: error, booking: series.id }, 'invitation e-mail could not be prepared'));
  }

  /** Resolves when every queued e-mail has been handed over (or given up). */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #send(series: BookingSeries, notice: InvitationNotice): Promise<void> {
    const result = await this.mailer.sendInvitation(series, {
      method: notice.method,
      dialIn: notice.method === 'REQUEST' ? await this.dialIn(series) : undefined,
      occurrence: notice.occurrence,
      stampMs: this.clock.now(),
    });
    const what = `invitation ${notice.method}${notice.occurrence === undefined ? '' : ` (occurrence ${notice.occurrence})`} sequence ${series.sequence}`;
    await this.storage.audit.append({
      bookingId: series.id,
      occurrence: notice.occurrence ?? null,
      bridgeId: null,
      atMs: this.clock.now(),
      kind: 'note',
      error: result.sent ? `${what} sent to ${result.recipients.length} recipient(s)` : `${what} not sent: ${result.reason ?? 'unknown'}`,
    });
  }

  close(): void {
    this.mailer.close();
  }
}
