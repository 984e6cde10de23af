/**
 * Two collectors on one database (two processes behind a load balancer, or a second one taking over):
 * records of the same call legs arrive at both at once under two CDR sessions (a bridge that changed
 * session mid-call). Every leg must end up merged from all its records, exactly as one collector
 * would merge them, and no record stored twice. Without the model lock on Postgres, concurrent
 * merges overwrote each other (a leg kept only its start or only its end).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CollectorStorage } from '../../src/collector/storage/index.ts';
import type { PostInput } from '../../src/collector/storage/ingestStore.ts';
import { body, type RecordSpec } from '../support/cdrXml.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { commitEach, parsedPosts } from '../support/ingest.ts';

const LEGS = 120;
const T0 = Date.UTC(2026, 2, 1);
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

/** Session 1 carries each leg's start and update, session 2 its end. */
function records(): { first: RecordSpec[]; second: RecordSpec[] } {
  const first: RecordSpec[] = [];
  const second: RecordSpec[] = [];
  for (let i = 0; i < LEGS; i++) {
    const id = `shared-leg-${i}`;
    first.push({ type: 'callLegStart', time: at(i), correlatorIndex: 2 * i, body: body.legStart(id, { remoteParty: `user${i}@example.com`, call: 'shared-call' }) });
    first.push({ type: 'callLegUpdate', time: at(i + 1), correlatorIndex: 2 * i + 1, body: body.legUpdate(id, { state: 'connected', call: 'shared-call' }) });
    second.push({ type: 'callLegEnd', time: at(i + 600), correlatorIndex: i, body: body.legEnd(id, { durationSeconds: 600 + i, reason: 'remoteTeardown' }) });
  }
  return { first, second };
}

const posts = (session: string, list: readonly RecordSpec[], size: number): PostInput[] => parsedPosts(session, list, size, T0);
const commitAll = commitEach;

async function legSummary(storage: CollectorStorage): Promise<string[]> {
  const legs = await storage.query.legsOfCalls(['shared-call']);
  return legs
    .map((l) => [l.id, l.remoteParty, l.state, l.hasStart, l.hasEnd, l.durationSeconds, l.reason].join(' '))
    .sort();
}

forEachDialect('two collectors on one database', (dialect) => {
  // The default index batch, and one of 7 objects so that both processes write GUIDs to object_key
  // while the other commits.
  for (const indexBatch of [undefined, 7]) {
    it(`merge records of the same legs from two sessions at once without losing either side${indexBatch ? ` (index batch ${indexBatch})` : ''}`, async () => {
      const { first, second } = records();
      const reference = await freshDatabase(dialect, 'shared-ref');
      const shared = await freshDatabase(dialect, 'shared');
      const one = await CollectorStorage.open(reference.url);
      const options = indexBatch === undefined ? {} : { indexBatch };
      const a = await CollectorStorage.open(shared.url, options);
      const b = await CollectorStorage.open(shared.url, options);
      try {
        await commitAll(one, [...posts('session-1', first, 4), ...posts('session-2', second, 2)]);
        const expected = await legSummary(one);
        assert.equal(expected.length, LEGS);
        assert.ok(expected.every((line) => line.includes(' true true ')), 'the reference legs have start and end');

        // each collector gets one session's posts; both commit at the same time
        await Promise.all([commitAll(a, posts('session-1', first, 4)), commitAll(b, posts('session-2', second, 2))]);
        assert.deepEqual(await legSummary(a), expected);
        // and again from the other side: every record is a duplicate, nothing changes
        await Promise.all([commitAll(b, posts('session-1', first, 4)), commitAll(a, posts('session-2', second, 2))]);
        assert.deepEqual(await legSummary(b), expected);
        const sessions = await a.query.listSessions();
        assert.deepEqual(
          sessions.map((s) => [s.session, s.records, s.duplicates]).sort(),
          [
            ['session-1', 2 * LEGS, 2 * LEGS],
            ['session-2', LEGS, LEGS],
          ],
        );
      } finally {
        await Promise.all([one.close(), a.close(), b.close()]);
        await Promise.all([reference.dispose(), shared.dispose()]);
      }
    });
  }
});
