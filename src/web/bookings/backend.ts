import type { Clock } from '../../shared/clock.ts';
import type { RunningScheduler } from '../../scheduler/server.ts';
import { CalendarService } from '../../scheduler/service/calendar.ts';
import type { BookingsBackend } from './pages.ts';

/** The scheduler's booking service as the Bookings pages see it (explicit: the service has private fields). */
export function schedulerBookingsBackend(scheduler: RunningScheduler, clock: Clock): BookingsBackend {
  const svc = scheduler.bookings;
  const calendar = new CalendarService(svc, scheduler.storage, clock);
  return {
    list: () => svc.list(),
    get: (id) => svc.get(id),
    create: (body) => svc.create(body),
    patch: (id, body) => svc.patch(id, body),
    patchOccurrence: (id, n, body) => svc.patchOccurrence(id, n, body),
    removeOccurrence: (id, n) => svc.removeOccurrence(id, n),
    remove: (id) => svc.remove(id),
    extend: (id, n, minutes) => svc.extend(id, n, minutes),
    endNow: (id, n) => svc.endNow(id, n),
    ics: (id) => calendar.bookingIcs(id),
  };
}
