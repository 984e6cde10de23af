import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allCoSpaces,
  applyBulkParameterSetParams,
  expandMapping,
  MappingSyntaxError,
  MAX_SYNC_RANGE,
  parseMapping,
  planSync,
  rangeProblem,
  type CoSpaceBulkParameterSet,
} from '../../src/bridge/domain/coSpaceBulk.ts';
import { BridgeError } from '../../src/bridge/errors.ts';
import type { ParamValue } from '../../src/bridge/params.ts';

const expand = (template: string, index: number): string => expandMapping(parseMapping(template), index);

function set(overrides: Partial<CoSpaceBulkParameterSet> = {}): CoSpaceBulkParameterSet {
  return {
    id: 'set-1',
    startIndex: 1,
    endIndex: 5,
    coSpaceUriMapping: null,
    coSpaceNameMapping: null,
    coSpaceCallIdMapping: null,
    tenant: null,
    callProfile: null,
    callLegProfile: null,
    callBrandingProfile: null,
    nonMemberAccess: true,
    ...overrides,
  };
}

function values(entries: Record<string, ParamValue | null>): Map<string, ParamValue | null> {
  return new Map(Object.entries(entries));
}

describe('bulk mappings', () => {
  test('$index$ is replaced by the index, anywhere and any number of times', () => {
    assert.equal(expand('TMS_Scheduled_Meeting_$index$', 3), 'TMS_Scheduled_Meeting_3');
    assert.equal(expand('$index$', 1000), '1000');
    assert.equal(expand('room.$index$.east', 7), 'room.7.east');
    assert.equal(expand('88$index$00$index$', 4), '884004');
    assert.equal(expand('static', 9), 'static');
    assert.equal(expand('', 9), '');
  });

  test('\\\\ gives a backslash and \\$ a dollar, so an escaped placeholder stays literal', () => {
    assert.equal(expand('a\\\\b', 1), 'a\\b');
    assert.equal(expand('cost\\$$index$', 5), 'cost$5');
    assert.equal(expand('\\$index\\$', 5), '$index$');
    assert.equal(expand('\\\\$index$', 2), '\\2');
  });

  test('a stray $ or a backslash escaping anything else is a syntax error', () => {
    for (const bad of ['$', 'a$b', '$index', '$INDEX$', '$idx$', 'a\\b', 'trailing\\', '\\index']) {
      assert.throws(() => parseMapping(bad), MappingSyntaxError, bad);
    }
  });

  test('unicode passes through untouched', () => {
    assert.equal(expand('Réunion ☎ $index$', 12), 'Réunion ☎ 12');
  });
});

describe('bulk parameter set values', () => {
  test('create needs both indices; nonMemberAccess defaults to true; blank mappings mean none', () => {
    const s = applyBulkParameterSetParams(undefined, values({ startIndex: 1, endIndex: 5, coSpaceUriMapping: '   ', coSpaceNameMapping: 'M_$index$' }));
    assert.equal(s.startIndex, 1);
    assert.equal(s.endIndex, 5);
    assert.equal(s.coSpaceUriMapping, null);
    assert.equal(s.coSpaceNameMapping, 'M_$index$');
    assert.equal(s.nonMemberAccess, true);
    assert.match(s.id, /^[0-9a-f-]{36}$/);
  });

  test('modify changes only what it names; an empty value unsets a mapping', () => {
    const s = applyBulkParameterSetParams(undefined, values({ startIndex: 1, endIndex: 5, coSpaceUriMapping: 'r$index$', nonMemberAccess: false }));
    const t = applyBulkParameterSetParams(s, values({ endIndex: 9, coSpaceUriMapping: null }));
    assert.equal(t.id, s.id);
    assert.equal(t.startIndex, 1);
    assert.equal(t.endIndex, 9);
    assert.equal(t.coSpaceUriMapping, null);
    assert.equal(t.nonMemberAccess, false);
  });

  const refused = (v: Record<string, ParamValue | null>, parameter: string, error: string): void => {
    assert.throws(
      () => applyBulkParameterSetParams(undefined, values({ startIndex: 1, endIndex: 2, ...v })),
      (e: unknown) => e instanceof BridgeError && e.parameter?.name === parameter && e.parameter.error === error,
      JSON.stringify(v),
    );
  };

  test('bad mappings are parameter errors', () => {
    refused({ coSpaceUriMapping: 'room$index$@example.com' }, 'coSpaceUriMapping', 'invalidValue');
    refused({ coSpaceUriMapping: 'room $index$' }, 'coSpaceUriMapping', 'invalidValue');
    refused({ coSpaceUriMapping: 'room$x' }, 'coSpaceUriMapping', 'invalidValue');
    refused({ coSpaceNameMapping: 'a\\b' }, 'coSpaceNameMapping', 'invalidValue');
    refused({ coSpaceCallIdMapping: '88$index$x' }, 'coSpaceCallIdMapping', 'invalidValue');
    refused({ startIndex: null }, 'startIndex', 'missingParameter');
  });

  test('an escaped $ or backslash is allowed in a name but not where the result must be digits', () => {
    assert.equal(applyBulkParameterSetParams(undefined, values({ startIndex: 1, endIndex: 1, coSpaceNameMapping: 'a\\$b' })).coSpaceNameMapping, 'a\\$b');
    refused({ coSpaceCallIdMapping: '\\$$index$' }, 'coSpaceCallIdMapping', 'invalidValue');
  });
});

describe('sync plans', () => {
  test('one coSpace per index, inclusive at both ends, in index order', () => {
    const plan = planSync(set({ startIndex: 1000, endIndex: 1005, coSpaceNameMapping: 'Room $index$', coSpaceUriMapping: 'Room.$index$', coSpaceCallIdMapping: '77$index$' }));
    assert.ok(plan.ok);
    assert.equal(allCoSpaces(plan).length, 6);
    assert.deepEqual(
      allCoSpaces(plan).map((c) => [c.name, c.uri, c.callId]),
      [1000, 1001, 1002, 1003, 1004, 1005].map((i) => [`Room ${i}`, `room.${i}`, `77${i}`]),
    );
    assert.ok(allCoSpaces(plan).every((c) => c.bulkParameterSet === 'set-1'));
    assert.deepEqual(
      [...plan.batches(4)].map((batch) => batch.map((c) => c.name)),
      [
        ['Room 1000', 'Room 1001', 'Room 1002', 'Room 1003'],
        ['Room 1004', 'Room 1005'],
      ],
    );
    assert.equal(new Set(allCoSpaces(plan).map((c) => c.id)).size, 6);
  });

  test('secrets are made only when there is a callId mapping', () => {
    const withIds = planSync(set({ coSpaceCallIdMapping: '$index$' }));
    assert.ok(withIds.ok);
    assert.ok(allCoSpaces(withIds).every((c) => typeof c.secret === 'string' && c.secret.length >= 16));
    assert.equal(new Set(allCoSpaces(withIds).map((c) => c.secret)).size, 5);
    const without = planSync(set({ coSpaceNameMapping: 'n$index$' }));
    assert.ok(without.ok);
    assert.ok(allCoSpaces(without).every((c) => c.secret === null && c.callId === null && c.uri === null));
  });

  test('profiles, tenant and nonMemberAccess are copied from the set', () => {
    const plan = planSync(set({ callProfile: 'cp', callLegProfile: 'clp', tenant: 't', callBrandingProfile: 'cbp', nonMemberAccess: false }));
    assert.ok(plan.ok);
    const c = allCoSpaces(plan)[0];
    assert.deepEqual([c?.callProfile, c?.callLegProfile, c?.tenant, c?.callBrandingProfile, c?.nonMemberAccess], ['cp', 'clp', 't', 'cbp', false]);
  });

  test('range rules: start > end is invalid, more than the maximum is too great, one index is fine', () => {
    assert.equal(rangeProblem({ startIndex: 6, endIndex: 5 }), 'failedIndexRangeInvalid');
    assert.equal(rangeProblem({ startIndex: 1, endIndex: MAX_SYNC_RANGE }), undefined);
    assert.equal(rangeProblem({ startIndex: 0, endIndex: MAX_SYNC_RANGE }), 'failedIndexRangeTooGreat');
    assert.equal(rangeProblem({ startIndex: 5, endIndex: 5 }), undefined);
    const plan = planSync(set({ startIndex: 0, endIndex: MAX_SYNC_RANGE }));
    assert.ok(!plan.ok);
    assert.equal(plan.status, 'failedIndexRangeTooGreat');
  });

  test('a uri or callId mapping without $index$ clashes over a range of more than one', () => {
    const uri = planSync(set({ coSpaceUriMapping: 'same' }));
    assert.ok(!uri.ok);
    assert.equal(uri.status, 'failedCoSpaceUriConflict');
    const callId = planSync(set({ coSpaceCallIdMapping: '1234' }));
    assert.ok(!callId.ok);
    assert.equal(callId.status, 'failedCallIdConflict');
    const single = planSync(set({ startIndex: 3, endIndex: 3, coSpaceUriMapping: 'same', coSpaceCallIdMapping: '1234' }));
    assert.ok(single.ok);
    assert.equal(allCoSpaces(single)[0]?.uri, 'same');
  });

  test('an expansion that is not a valid callId or uri fails the sync', () => {
    const long = planSync(set({ startIndex: 1, endIndex: 2, coSpaceCallIdMapping: `${'9'.repeat(19)}$index$` }));
    assert.ok(!long.ok);
    assert.equal(long.status, 'failed');
    const uri = planSync(set({ coSpaceUriMapping: `${'u'.repeat(254)}$index$` }));
    assert.ok(!uri.ok);
    assert.equal(uri.status, 'failed');
  });

  test('10,000 spaces plan quickly enough to stay far below the 3 s sync target (sanity, not timed)', () => {
    const plan = planSync(set({ startIndex: 1, endIndex: 10_000, coSpaceUriMapping: 'r$index$', coSpaceCallIdMapping: '5$index$' }));
    assert.ok(plan.ok);
    assert.equal(allCoSpaces(plan).length, 10_000);
    assert.equal(plan.uris.length, 10_000);
  });
});
