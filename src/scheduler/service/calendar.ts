/**
 * iCalendar for bookings: one .ics per booking and a feed per organizer.
 *
 * NOT AVAILABLE YET: the iCalendar functions are written by the bookings helper (src/scheduler/bookings/)
 * and had not landed on main when this was written; until they are wired here both routes answer 501.
 */
import { schedulerErrors } from '../errors.ts';
import type { BookingService } from './bookings.ts';

export class CalendarService {
  constructor(private readonly bookings: BookingService) {}

  async bookingIcs(id: string): Promise<string> {
    await this.bookings.series(id);
    throw schedulerErrors.notAvailable('iCalendar export is not available in this build yet');
  }

  organizerFeed(_organizer: string): Promise<string> {
    return Promise.reject(schedulerErrors.notAvailable('iCalendar feeds are not available in this build yet'));
  }
}
