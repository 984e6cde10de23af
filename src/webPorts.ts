/**
 * The ports `switchboard up` passes to the web UI: the scheduler's services as the web pages see them.
 * The web UI imports no service (eslint.config.js); the wiring from a running service to a page's port
 * is done here, beside up.ts.
 */
import type { BridgeManager } from './scheduler/bridges/manager.ts';
import { bookingCalendar, type BookingSeries } from './scheduler/bookings/index.ts';
import { sameAddress } from './scheduler/domain/bridge.ts';
import type { RunningScheduler } from './scheduler/server.ts';
import { CalendarService } from './scheduler/service/calendar.ts';
import type { Clock } from './shared/clock.ts';
import type { BookingsBackend } from './web/bookings/pages.ts';
import type { ManagedBridges } from './web/bridges/schedulerSection.ts';

/** The series as someone who may not see its PIN gets it: no PIN on the series or any occurrence. */
function withoutPins(series: BookingSeries): BookingSeries {
  return {
    ...series,
    pin: undefined,
    ...(series.overrides === undefined ? {} : { overrides: series.overrides.map((o) => (typeof o.pin === 'string' ? { ...o, pin: null } : o)) }),
  };
}

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
    ics: async (id, options) => {
      if (options.withPin) return calendar.bookingIcs(id);
      const series = withoutPins(await svc.series(id));
      return bookingCalendar(series, { method: series.cancelled === true ? 'CANCEL' : 'REQUEST', dialIn: await calendar.dialIn(series), stampMs: clock.now() });
    },
  };
}

/** The bridges the scheduler manages at an address (as primary or as a cluster member). */
export function schedulerManagedBridges(manager: BridgeManager): ManagedBridges {
  return {
    at: async (baseUrl) =>
      (await manager.list()).filter((b) => sameAddress(b.address, baseUrl) || b.cluster.some((m) => sameAddress(m.address ?? undefined, baseUrl))),
  };
}
