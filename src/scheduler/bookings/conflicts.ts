/**
 * Booking-time conflict checks: a booking is refused when, at any instant, the bridge would need more
 * concurrent spaces than its conference-ID range holds, or when one of its participants is already in
 * another meeting at the same time.
 *
 * - Occurrences are half-open [start, end): a meeting ending at 10:00 and one starting at 10:00 do not
 *   overlap (back-to-back is fine).
 * - `setupMarginMs` holds a space that long before each start (the runner provisions ahead); it widens
 *   the capacity check only, not the participant check.
 * - Existing occurrences of a booking that also appears in `candidate` are ignored: an edit replaces
 *   the old version of itself.
 * - Participants match on their URI, trimmed, case-insensitively, without a `sip:`/`sips:` scheme.
 * Sweep lines over sorted start/end events: O(n log n) plus the overloaded stretches.
 */
import type { Conflict, Occurrence } from './types.ts';

export interface ConflictOptions {
  /** A space is held this long before each occurrence starts (capacity check only). */
  readonly setupMarginMs?: number;
}

/** The form participant URIs are compared in. */
export function normalizeParticipantUri(uri: string): string {
  return uri.trim().toLowerCase().replace(/^sips?:/, '');
}

interface Entry {
  readonly occurrence: Occurrence;
  readonly candidate: boolean;
}

interface CapacityHit {
  atMs: number;
  concurrent: number;
  readonly with: Set<string>;
}

function capacityConflicts(entries: readonly Entry[], capacity: number, marginMs: number): Map<number, CapacityHit> {
  // Events: [time, delta, entry index]; at equal times ends (-1) come before starts (+1).
  const events: [number, number, number][] = [];
  entries.forEach((e, i) => {
    events.push([e.occurrence.startMs - marginMs, 1, i], [e.occurrence.endMs, -1, i]);
  });
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const active = new Set<number>();
  const hits = new Map<number, CapacityHit>();
  let k = 0;
  while (k < events.length) {
    const time = events[k]?.[0] ?? 0;
    while (k < events.length && events[k]?.[0] === time) {
      const [, delta, index] = events[k] as [number, number, number];
      if (delta > 0) active.add(index);
      else active.delete(index);
      k++;
    }
    const next = events[k]?.[0];
    if (active.size <= capacity || next === undefined || next === time) continue;
    const candidates = [...active].filter((i) => entries[i]?.candidate === true);
    if (candidates.length === 0) continue;
    const others = [...active].filter((i) => entries[i]?.candidate === false).map((i) => entries[i]?.occurrence.bookingId ?? '');
    for (const i of candidates) {
      let hit = hits.get(i);
      if (hit === undefined) {
        hit = { atMs: time, concurrent: active.size, with: new Set() };
        hits.set(i, hit);
      }
      hit.concurrent = Math.max(hit.concurrent, active.size);
      for (const id of others) hit.with.add(id);
    }
  }
  return hits;
}

function participantConflicts(entries: readonly Entry[]): Map<string, { index: number; uri: string; with: Set<string> }> {
  const byUri = new Map<string, { index: number; uri: string }[]>();
  entries.forEach((e, index) => {
    const seen = new Set<string>();
    for (const p of e.occurrence.participants) {
      const key = normalizeParticipantUri(p.uri);
      if (key === '' || seen.has(key)) continue;
      seen.add(key);
      let list = byUri.get(key);
      if (list === undefined) byUri.set(key, (list = []));
      list.push({ index, uri: p.uri });
    }
  });
  const hits = new Map<string, { index: number; uri: string; with: Set<string> }>();
  const record = (index: number, uri: string, key: string, other: string): void => {
    const id = `${index}|${key}`;
    let hit = hits.get(id);
    if (hit === undefined) hits.set(id, (hit = { index, uri, with: new Set() }));
    hit.with.add(other);
  };
  for (const [key, list] of byUri) {
    if (list.length < 2 || !list.some((l) => entries[l.index]?.candidate === true)) continue;
    list.sort((a, b) => (entries[a.index]?.occurrence.startMs ?? 0) - (entries[b.index]?.occurrence.startMs ?? 0));
    let active: { index: number; uri: string }[] = [];
    for (const item of list) {
      const entry = entries[item.index] as Entry;
      active = active.filter((a) => (entries[a.index]?.occurrence.endMs ?? 0) > entry.occurrence.startMs);
      for (const a of active) {
        const other = entries[a.index] as Entry;
        if (entry.candidate) record(item.index, item.uri, key, other.occurrence.bookingId);
        if (other.candidate) record(a.index, a.uri, key, entry.occurrence.bookingId);
      }
      active.push(item);
    }
  }
  return hits;
}

/**
 * Conflicts the candidate booking's occurrences would cause against the existing ones on the same
 * bridge, whose conference-ID range holds `capacity` spaces. Empty when the booking fits. Sorted by
 * start, occurrence, reason and participant.
 */
export function findConflicts(
  candidate: readonly Occurrence[],
  existing: readonly Occurrence[],
  capacity: number,
  options: ConflictOptions = {},
): Conflict[] {
  const marginMs = Math.max(0, options.setupMarginMs ?? 0);
  const candidateIds = new Set(candidate.map((o) => o.bookingId));
  const entries: Entry[] = [
    ...candidate.map((occurrence) => ({ occurrence, candidate: true })),
    ...existing.filter((o) => !candidateIds.has(o.bookingId)).map((occurrence) => ({ occurrence, candidate: false })),
  ];
  const conflicts: Conflict[] = [];
  for (const [index, hit] of capacityConflicts(entries, capacity, marginMs)) {
    const o = (entries[index] as Entry).occurrence;
    conflicts.push({
      reason: 'capacityExceeded',
      occurrence: o.occurrence,
      startMs: o.startMs,
      endMs: o.endMs,
      with: [...hit.with].sort(),
      atMs: hit.atMs,
      concurrent: hit.concurrent,
    });
  }
  for (const hit of participantConflicts(entries).values()) {
    const o = (entries[hit.index] as Entry).occurrence;
    conflicts.push({
      reason: 'participantDoubleBooked',
      occurrence: o.occurrence,
      startMs: o.startMs,
      endMs: o.endMs,
      participant: hit.uri,
      with: [...hit.with].sort(),
    });
  }
  return conflicts.sort(
    (a, b) =>
      a.startMs - b.startMs ||
      a.occurrence - b.occurrence ||
      a.reason.localeCompare(b.reason) ||
      (a.participant ?? '').localeCompare(b.participant ?? ''),
  );
}

/** A one-line human explanation of a conflict (for API error bodies and logs). */
export function describeConflict(conflict: Conflict, capacity?: number): string {
  const when = `occurrence ${conflict.occurrence} (${new Date(conflict.startMs).toISOString()} – ${new Date(conflict.endMs).toISOString()})`;
  if (conflict.reason === 'capacityExceeded') {
    const need = conflict.concurrent === undefined ? '' : ` needs ${conflict.concurrent} concurrent spaces`;
    const have = capacity === undefined ? '' : ` but the bridge's range holds ${capacity}`;
    const at = conflict.atMs === undefined ? '' : ` at ${new Date(conflict.atMs).toISOString()}`;
    return `${when}${need}${at}${have}`;
  }
  const others = conflict.with.length > 0 ? ` (also in ${conflict.with.join(', ')})` : '';
  return `${when}: participant ${conflict.participant ?? ''} is double-booked${others}`;
}
