/** AuditLog (group commit of audit entries) on real storage: stored before `append` resolves, in order, never lost silently. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { AuditLog } from '../../src/scheduler/storage/auditLog.ts';
import type { AuditEntry } from '../../src/scheduler/storage/auditStore.ts';
import { SchedulerStorage } from '../../src/scheduler/storage/index.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

const note = (bookingId: string, text: string): AuditEntry => ({ bookingId, occurrence: 1, bridgeId: 'b1', atMs: T0, kind: 'note', error: text });

forEachDialect('scheduler audit log (group commit)', (dialect) => {
  let database: TestDatabase;
  let storage: SchedulerStorage;
  beforeEach(async () => {
    database = await freshDatabase(dialect, 'auditlog');
    storage = await SchedulerStorage.open(database.url);
  });
  afterEach(async () => {
    await storage.close();
    await database.dispose();
  });

  test('an entry is stored when its append resolves; entries appended together are stored in order, in fewer statements', async () => {
    let statements = 0;
    const log = new AuditLog({
      appendMany: (entries) => {
        statements++;
        return storage.audit.appendMany(entries);
      },
    });
    await log.append(note('m1', 'alone'));
    assert.deepEqual((await storage.audit.ofMeeting('m1')).map((e) => e.error), ['alone']);
    // Many meetings appending at the same moment (a burst of starts).
    const texts = Array.from({ length: 50 }, (_, i) => `step ${i}`);
    await Promise.all(texts.map((text) => log.append(note('m2', text))));
    assert.deepEqual((await storage.audit.ofMeeting('m2')).map((e) => e.error), texts);
    assert.equal(statements, 2, 'one statement for the single entry, one for the fifty');
  });

  test('a failed write rejects every append of its group; later appends are written', async () => {
    const log = new AuditLog(storage.audit);
    const broken = { ...note('m3', 'broken'), kind: null } as unknown as AuditEntry; // violates NOT NULL
    const results = await Promise.allSettled([log.append(note('m3', 'first')), log.append(broken)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
      'the caller of each entry learns it was not stored',
    );
    assert.deepEqual(await storage.audit.ofMeeting('m3'), [], 'nothing of the failed group was stored');
    await log.append(note('m3', 'after'));
    assert.deepEqual((await storage.audit.ofMeeting('m3')).map((e) => e.error), ['after']);
  });
});
