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
import { Pacer } from './pacer.ts';

export class CalendarService {
  constructor(
    private readonly bookings: BookingService,
    private readonly storage: SchedulerStorage,
    private readonly clock: Clock,
  ) {}

  /** The dial-in (space number at the bridge's domain) of the next or running occurrence, once assigned. */
  async dialIn(series: BookingSeries): Promise<DialIn | undefined> {
    const current = await this.storage.meetings.firstWithSpace(series.id, this.clock.now());
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
    const pacer = new Pacer();
    for (const series of list) {
      dialIns.set(series.id, await this.dialIn(series));
      await pacer.spend(30);
    }
    await pacer.turn();
    return organizerFeed(list, (s) => dialIns.get(s.id), { stampMs: this.clock.now(), name: `Meetings of ${organizer}` });
  }
}
