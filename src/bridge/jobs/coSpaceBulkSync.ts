/**
 * Running a `/cospaceBulkSyncs` request: `pending` → `running` → a final status. The whole sync is one
 * transaction under the coSpace namespace lock, so a failed sync (a uri or callId clash, a crash, a
 * database error) leaves the coSpaces exactly as they were, and the final status is written in the
 * same transaction as the coSpaces it describes.
 *
 * Restart: a sync this bridge left `running` when it stopped had its transaction rolled back with the
 * process, so it is marked `failed` (re-running it could crash the bridge again the same way); syncs
 * still `pending` are queued again. Syncs belong to the bridge that accepted them (`callBridge`), so
 * in a cluster each node picks up only its own.
 */
import { referenceExists } from '../api/objects/references.ts';
import type { BridgeContext } from '../context.ts';
import { BULK_REFERENCES, isFinalStatus, planSync, type BulkSyncFailure } from '../domain/coSpaceBulk.ts';

const INSERT_BATCH = 2000;
/** Syncs that add or remove at least this many coSpaces refresh the database's planner statistics. */
const STATISTICS_THRESHOLD = 1000;

/** Thrown inside the sync transaction to roll it back with a named status. */
class SyncFailed extends Error {
  constructor(
    readonly status: BulkSyncFailure,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export type BulkSyncContext = Pick<BridgeContext, 'storage' | 'clock' | 'logger' | 'events' | 'jobs'>;

export function queueBulkSync(ctx: BulkSyncContext, syncId: string): void {
  ctx.jobs.enqueue('cospaceBulkSync', () => runBulkSync(ctx, syncId));
}

export async function runBulkSync(ctx: BulkSyncContext, syncId: string): Promise<void> {
  const { storage, clock } = ctx;
  const log = ctx.logger.child({ cospaceBulkSync: syncId });
  const sync = await storage.coSpaceBulk.getSync(syncId);
  if (!sync || isFinalStatus(sync.status)) return;
  const started = clock.now();
  await storage.coSpaceBulk.setSyncStatus(syncId, 'running', started);
  try {
    const outcome = await storage.namespaceTransaction(async (stores) => {
      const set = await stores.coSpaceBulk.getSet(sync.parameterSet);
      if (!set) throw new SyncFailed('failedNoSuchParameterSet', `no parameter set ${sync.parameterSet}`);
      // Plan (pure, in memory) before touching storage: range and mapping problems fail fast.
      const plan = sync.removeAll ? undefined : planSync(set);
      if (plan && !plan.ok) throw new SyncFailed(plan.status, plan.reason);
      if (plan) {
        // A profile or tenant the set names may have been deleted since the set was written.
        for (const [field, collection] of BULK_REFERENCES) {
          const id = set[field];
          if (typeof id === 'string' && !(await referenceExists(stores, collection, id))) {
            throw new SyncFailed('failed', `${field} ${id} no longer exists`);
          }
        }
      }
      const deleted = await stores.coSpaceBulk.deleteCoSpacesOf(set.id);
      if (plan) {
        const uri = await stores.coSpaceBulk.firstUsedUri(plan.uris);
        if (uri !== undefined) throw new SyncFailed('failedCoSpaceUriConflict', `uri "${uri}" is in use`);
        const callId = await stores.coSpaceBulk.firstUsedCallId(plan.callIds);
        if (callId !== undefined) throw new SyncFailed('failedCallIdConflict', `callId "${callId}" is in use`);
        // Built and written a batch at a time: memory stays flat however large the range.
        for (const batch of plan.batches(INSERT_BATCH)) await stores.coSpaces.insertMany(batch);
      }
      await stores.coSpaceBulk.setSyncStatus(syncId, 'complete', clock.now());
      return { deleted, created: plan?.count ?? 0 };
    });
    for (const id of outcome.deleted) ctx.events.emit('coSpaceDeleted', id);
    if (outcome.created + outcome.deleted.length >= STATISTICS_THRESHOLD) await storage.refreshStatistics();
    log.info({ parameterSet: sync.parameterSet, deleted: outcome.deleted.length, created: outcome.created, ms: clock.now() - started }, 'bulk sync complete');
  } catch (error) {
    if (error instanceof SyncFailed) {
      log.info({ parameterSet: sync.parameterSet, status: error.status, detail: error.detail }, 'bulk sync failed');
      await storage.coSpaceBulk.setSyncStatus(syncId, error.status, clock.now(), error.detail);
    } else {
      log.error({ err: error, parameterSet: sync.parameterSet }, 'bulk sync failed unexpectedly');
      await storage.coSpaceBulk.setSyncStatus(syncId, 'failed', clock.now(), error instanceof Error ? error.message.slice(0, 500) : 'error');
    }
  }
}

/** On start: this node's `running` syncs become `failed`, its `pending` ones are queued again. */
export async function recoverBulkSyncs(ctx: BulkSyncContext, callBridge: string): Promise<{ failed: number; requeued: number }> {
  const { storage, clock } = ctx;
  const interrupted = await storage.coSpaceBulk.syncsOfNode(callBridge, ['running']);
  for (const sync of interrupted) {
    await storage.coSpaceBulk.setSyncStatus(sync.id, 'failed', clock.now(), 'the bridge stopped while the sync was running; nothing was changed');
  }
  const pending = await storage.coSpaceBulk.syncsOfNode(callBridge, ['pending']);
  for (const sync of pending) queueBulkSync(ctx, sync.id);
  if (interrupted.length + pending.length > 0) {
    ctx.logger.warn({ failed: interrupted.length, requeued: pending.length }, 'bulk syncs recovered after restart');
  }
  return { failed: interrupted.length, requeued: pending.length };
}
