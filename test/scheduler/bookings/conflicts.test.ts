import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeConflict,
  expandOccurrences,
  findConflicts,
  type BookingParticipant,
  type BookingSeries,
  type Occurrence,
} from '../../../src/scheduler/bookings/index.ts';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2024, 5, 3, 9); // a Monday, 09:00Z

function occ(bookingId: string, startMs: number, endMs: number, participants: readonly BookingParticipant[] = [], occurrence = 1): Occurrence {
  return { bookingId, occurrence, startMs, endMs, title: bookingId, participants, pin: undefined, type: 'automatic', bridge: 'cb1' };
}

/** Brute force: the most occurrences active at any instant during `o` (starts are where maxima occur). */
function naivePeak(all: readonly Occurrence[], o: Occurrence): number {
  let peak = 0;
  for (const point of all.map((x) => x.startMs).concat(o.startMs)) {
    if (point < o.startMs || point >= o.endMs) continue;
    peak = Math.max(peak, all.filter((x) => x.startMs <= point && point < x.endMs).length);
  }
  return peak;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('booking conflicts', () => {
  test('capacity exceeded at exactly one stretch is found, with when, how many and with whom', () => {
    const existing = [occ('A', T0, T0 + H), occ('B', T0 + 59 * M, T0 + 2 * H)];
    const conflicts = findConflicts([occ('C', T0 + 50 * M, T0 + 90 * M)], existing, 2);
    assert.equal(conflicts.length, 1);
    const c = conflicts[0]!;
    assert.equal(c.reason, 'capacityExceeded');
    assert.equal(c.occurrence, 1);
    assert.equal(c.atMs, T0 + 59 * M);
    assert.equal(c.concurrent, 3);
    assert.deepEqual(c.with, ['A', 'B']);
    assert.equal(c.startMs, T0 + 50 * M);
    assert.match(describeConflict(c, 2), /needs 3 concurrent spaces .* holds 2/);
    // One minute later A has ended: two at once fits.
    assert.deepEqual(findConflicts([occ('C', T0 + 60 * M, T0 + 90 * M)], existing, 2), []);
  });

  test('back-to-back meetings do not conflict; a setup margin makes them', () => {
    const existing = [occ('A', T0, T0 + H)];
    assert.deepEqual(findConflicts([occ('C', T0 + H, T0 + 2 * H)], existing, 1), []);
    const withMargin = findConflicts([occ('C', T0 + H, T0 + 2 * H)], existing, 1, { setupMarginMs: 5 * M });
    assert.equal(withMargin.length, 1);
    assert.equal(withMargin[0]?.atMs, T0 + 55 * M);
    assert.deepEqual(findConflicts([occ('C', T0 + H + 5 * M, T0 + 2 * H)], existing, 1, { setupMarginMs: 5 * M }), []);
  });

  test('an already over-full stretch elsewhere is not blamed on the candidate; a booking never conflicts with its old self', () => {
    const existing = [occ('A', T0, T0 + H), occ('B', T0, T0 + H), occ('X', T0 + 3 * H, T0 + 4 * H)];
    assert.deepEqual(findConflicts([occ('C', T0 + 2 * H, T0 + 3 * H)], existing, 1), []);
    // Editing X: its stored occurrence is replaced by the candidate, so capacity 1 is enough.
    assert.deepEqual(findConflicts([occ('X', T0 + 3 * H + 30 * M, T0 + 4 * H)], existing, 1), []);
    assert.equal(findConflicts([occ('C', T0, T0 + H)], [], 0).length, 1, 'no spaces at all');
  });

  test('a double-booked participant is refused case-insensitively, ignoring the sip: scheme', () => {
    const existing = [occ('A', T0, T0 + H, [{ uri: 'sip:Room1@Example.com', mode: 'dialOut' }]), occ('B', T0, T0 + H, [{ uri: 'bob@example.com', mode: 'dialIn' }])];
    const candidate = [
      occ('C', T0 + 30 * M, T0 + 90 * M, [
        { uri: 'room1@example.com', mode: 'dialOut' },
        { uri: 'carol@example.com', mode: 'dialIn' },
      ]),
    ];
    const conflicts = findConflicts(candidate, existing, 10);
    assert.deepEqual(
      conflicts.map((c) => [c.reason, c.participant, c.with]),
      [['participantDoubleBooked', 'room1@example.com', ['A']]],
    );
    assert.match(describeConflict(conflicts[0]!), /participant room1@example.com is double-booked \(also in A\)/);
    // Back-to-back is fine for people too.
    assert.deepEqual(findConflicts([occ('C', T0 + H, T0 + 2 * H, [{ uri: 'ROOM1@example.com', mode: 'dialOut' }])], existing, 10), []);
  });

  test('series against series: only the occurrences that meet conflict, numbered by their ordinal', () => {
    const base = { organizer: 'o@example.com', timeZone: 'Europe/Oslo', type: 'automatic' as const, sequence: 0 };
    const weekly: BookingSeries = {
      ...base,
      id: 'weekly',
      title: 'Monday review',
      start: '2024-06-03T10:00',
      end: '2024-06-03T11:00',
      recurrence: 'FREQ=WEEKLY;COUNT=8',
      participants: [{ uri: 'sip:ceo@example.com', mode: 'dialOut' }],
    };
    const daily: BookingSeries = {
      ...base,
      id: 'daily',
      title: 'Stand-up',
      start: '2024-06-03T10:30',
      end: '2024-06-03T10:45',
      recurrence: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10',
      participants: [{ uri: 'CEO@example.com', mode: 'dialOut' }],
      overrides: [{ occurrence: 6, start: '2024-06-10T12:00' }],
    };
    const window: [number, number] = [Date.UTC(2024, 5, 1), Date.UTC(2024, 8, 1)];
    const conflicts = findConflicts(expandOccurrences(daily, ...window), expandOccurrences(weekly, ...window), 1);
    // Daily occurrences 1 (Mon 3 June) and 6 (Mon 10 June, moved to 12:00 → no conflict).
    assert.deepEqual(
      conflicts.map((c) => [c.reason, c.occurrence]),
      [
        ['capacityExceeded', 1],
        ['participantDoubleBooked', 1],
      ],
    );
  });

  test('thousands of occurrences: the sweep agrees with brute force', () => {
    const next = random(42);
    const existing: Occurrence[] = [];
    for (let i = 0; i < 3000; i++) {
      const start = T0 + Math.floor(next() * 24 * 14) * 30 * M;
      existing.push(occ(`E${i}`, start, start + (1 + Math.floor(next() * 4)) * 30 * M, [], 1));
    }
    const candidate: Occurrence[] = [];
    for (let i = 0; i < 200; i++) {
      const start = T0 + Math.floor(next() * 24 * 14) * 30 * M;
      candidate.push(occ('CAND', start, start + 60 * M, [], i + 1));
    }
    const capacity = 25;
    const conflicts = findConflicts(candidate, existing, capacity);
    const all = [...existing, ...candidate];
    const expected = candidate.filter((o) => naivePeak(all, o) > capacity).map((o) => o.occurrence).sort((a, b) => a - b);
    assert.ok(expected.length > 0 && expected.length < candidate.length, `the data should mix both outcomes (${expected.length})`);
    assert.deepEqual(conflicts.map((c) => c.occurrence).sort((a, b) => a - b), expected);
    for (const c of conflicts) {
      const o = candidate.find((x) => x.occurrence === c.occurrence)!;
      assert.equal(c.concurrent, naivePeak(all, o));
    }
  });
});
