/**
 * iCalendar for bookings, through the booking rules' generator (src/scheduler/bookings/ical.ts): one
 * .ics per booking (METHOD:REQUEST, or CANCEL once cancelled) and a PUBLISH feed per organizer. The
 * dial-in number is the space the next (or running) occurrence uses, `<number>@<bridge domain>`; before
 * a space is assigned (spaces are taken at start time, lowest free first, as TMS does) the invitation
 * carries no number.
 */
import type { Clock } from '../../shared/clock.ts';
import { bookingCalendar, organizerFeed, type BookingSeries, type DialIn } from '../bookings/index.ts';
import type { SchedulerStorage } from '../storage/index.ts';
import type { BookingService } from './bookings.ts';

export class CalendarService {
  constructor(
    private readonly bookings: BookingService,
    private readonly storage: SchedulerStorage,
    private readonly clock: Clock,
  ) {}

  /** The dial-in (space number at the bridge's domain) of the next or running occurrence, once assigned. */
  async dialIn(series: BookingSeries): Promise<DialIn | undefined> {
    const meetings = await this.storage.meetings.ofBooking(series.id);
    const now = this.clock.now();
    const current = meetings.find((m) => m.spaceNumber !== null && m.endMs > now) ?? meetings.find((m) => m.spaceNumber !== null);
    if (!current || current.spaceNumber === null || current.bridgeId === null) return undefined;
    const bridge = await this.storage.bridges.get(current.bridgeId);
    if (!bridge?.domain) return undefined;
    return { number: String(current.spaceNumber), domain: bridge.domain };
  }

  async bookingIcs(id: string): Promise<string> {
    const series = await this.bookings.series(id);
    return bookingCalendar(series, { method: series.cancelled === true ? 'CANCEL' : 'REQUEST', dialIn: await this.dialIn(series), stampMs: this.clock.now() });
  }

  async organizerFeed(organizer: string): Promise<string> {
    const list = (await this.storage.bookings.list({ organizer })).map((b) => b.series);
    const dialIns = new Map<string, DialIn | undefined>();
    for (const series of list) dialIns.set(series.id, await this.dialIn(series));
    return organizerFeed(list, (s) => dialIns.get(s.id), { stampMs: this.clock.now(), name: `Meetings of ${organizer}` });
  }
}
