/**
 * Reports built on the aggregated queries of the ReportStore: day/hour buckets turned into dates,
 * hours without events filled in (licence planning needs every hour), defaults for the range.
 */
import { collectorErrors } from '../errors.ts';
import { DAY_MS, HOUR_MS, type ReportRange, type ReportStore, type UsageGroup } from '../storage/reportStore.ts';

export const DEFAULT_RANGE_DAYS = 7;
/** Longest range an hourly report covers (about 13 months). */
export const MAX_HOURLY_BUCKETS = 24 * 400;

/** The requested range, defaulting to the last 7 days up to now. */
export function reportRange(nowMs: number, from: number | undefined, to: number | undefined): ReportRange {
  const end = to ?? nowMs;
  const start = from ?? end - DEFAULT_RANGE_DAYS * DAY_MS;
  if (start >= end) throw collectorErrors.invalidParameter([{ path: 'from', message: 'must be before to' }]);
  return { from: start, to: end };
}

const dayNames = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (days since the epoch, UTC); a report repeats each day many times. */
function day(index: number): string {
  let name = dayNames.get(index);
  if (name === undefined) {
    name = new Date(index * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(index, name);
  }
  return name;
}

export async function usageReport(store: ReportStore, group: UsageGroup, range: ReportRange): Promise<Record<string, unknown>[]> {
  const rows = await store.usage(group, range);
  return rows.map((r) => ({ day: day(r.day), [group]: r.key, name: r.name, minutes: round(r.minutes), callLegs: r.callLegs }));
}

export async function topReport(store: ReportStore, group: UsageGroup, range: ReportRange, limit: number): Promise<Record<string, unknown>[]> {
  const rows = await store.top(group, range, limit);
  return rows.map((r) => ({ [group]: r.key, name: r.name, minutes: round(r.minutes), callLegs: r.callLegs, calls: r.calls }));
}

/** Peak concurrent call legs and calls for every hour of the range. */
export async function concurrencyReport(store: ReportStore, range: ReportRange): Promise<Record<string, unknown>[]> {
  const firstHour = Math.floor(range.from / HOUR_MS);
  const lastHour = Math.ceil(range.to / HOUR_MS) - 1;
  if (lastHour - firstHour + 1 > MAX_HOURLY_BUCKETS) {
    throw collectorErrors.invalidParameter([{ path: 'from', message: `an hourly report covers at most ${MAX_HOURLY_BUCKETS} hours` }]);
  }
  const [legs, calls] = [await store.concurrency('call_leg', range), await store.concurrency('call', range)];
  const fill = (buckets: typeof legs): number[] => {
    const byHour = new Map(buckets.map((b) => [b.hour, b]));
    const out: number[] = [];
    let carried = 0;
    for (let h = firstHour; h <= lastHour; h++) {
      const b = byHour.get(h);
      out.push(b ? Math.max(b.peak, carried) : carried);
      if (b) carried = b.closing;
    }
    return out;
  };
  const legPeaks = fill(legs);
  const callPeaks = fill(calls);
  return legPeaks.map((peak, i) => ({
    hour: new Date((firstHour + i) * HOUR_MS).toISOString(),
    peakCallLegs: peak,
    peakCalls: callPeaks[i] ?? 0,
  }));
}

export async function disconnectReasonsReport(store: ReportStore, range: ReportRange): Promise<Record<string, unknown>[]> {
  return (await store.disconnectReasons(range)).map((r) => ({ reason: r.reason, remoteTeardown: r.remoteTeardown, callLegs: r.callLegs }));
}

export async function qualityReport(store: ReportStore, range: ReportRange): Promise<Record<string, unknown>[]> {
  return (await store.quality(range)).map((r) => ({ ...r, day: day(r.day) }));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
