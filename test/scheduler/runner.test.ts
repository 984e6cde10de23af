/**
 * The runner's own timing and ordering, on real storage and the fake clock: when it wakes up to claim
 * due actions. (Whole meetings against a real bridge are in e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, test } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { CmsClients } from '../../src/scheduler/bridges/cmsClients.ts';
import { Runner } from '../../src/scheduler/runner/runner.ts';
import { SecretBox } from '../../src/scheduler/secrets.ts';
import { SchedulerStorage } from '../../src/scheduler/storage/index.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Real time for real I/O (Postgres) while the fake clock stands still; false when `done` never held. */
async function until(done: () => boolean | Promise<boolean>, tries = 1000): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

forEachDialect('scheduler runner wake-up', (dialect) => {
  let database: TestDatabase;
  let storage: SchedulerStorage;
  let clock: FakeClock;
  let runner: Runner;
  beforeEach(async () => {
    database = await freshDatabase(dialect, 'runner');
    storage = await SchedulerStorage.open(database.url);
    clock = new FakeClock(T0);
    runner = new Runner(storage, new CmsClients(new SecretBox(randomBytes(32)), { clock }), clock, silentLogger(), { pollMs: 250 });
  });
  afterEach(async () => {
    await runner.stop();
    await storage.close();
    await database.dispose();
  });

  // An action of a meeting that does not exist completes as soon as it runs: its state shows when it was claimed.
  const stateOf = async (bookingId: string): Promise<string | undefined> =>
    (await storage.db.selectFrom('action').select('state').where('booking_id', '=', bookingId).executeTakeFirst())?.state;

  /** Starts the runner at the current fake instant and waits (real time) until its first look is over. */
  async function startRunner(): Promise<void> {
    runner.start();
    await clock.advance(0);
    assert.ok(await until(() => clock.pendingTimers === 1), 'the runner set its next wake-up');
  }

  test('wakes at the next action’s due time, not on the next poll', async () => {
    await storage.actions.schedule('start', 'soon', 1, T0 + 100, T0);
    await storage.actions.schedule('start', 'later', 1, T0 + 1_000, T0);
    await startRunner();
    await clock.advance(99);
    assert.equal(await stateOf('soon'), 'pending', 'not due yet');
    await clock.advance(1);
    assert.ok(await until(async () => (await stateOf('soon')) === 'done'), 'claimed and run at its due time');
    assert.equal(clock.now(), T0 + 100);
    assert.equal(await stateOf('later'), 'pending');
  });

  test('with nothing due soon it still looks every pollMs (another process may add actions)', async () => {
    await startRunner();
    // Added behind the runner's back (no kick), due at once: found by the next poll, not before.
    await storage.actions.schedule('start', 'added', 1, T0, T0);
    await clock.advance(249);
    assert.equal(await stateOf('added'), 'pending');
    await clock.advance(1);
    assert.ok(await until(async () => (await stateOf('added')) === 'done'), 'found by the poll at T0 + 250 ms');
  });

  test('an action leased by another process, due already, does not make the runner wake again and again', async () => {
    let looks = 0;
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          looks += chunk.toString('utf8').split('\n').filter((line) => line.includes('"msg":"runner tick"')).length;
          done();
        },
      }),
    );
    await runner.stop();
    runner = new Runner(storage, new CmsClients(new SecretBox(randomBytes(32)), { clock }), clock, logger, { pollMs: 250 });
    await storage.actions.schedule('end', 'elsewhere', 1, T0 - 1_000, T0);
    assert.equal((await storage.actions.claimDue('other-process', T0, 60_000, 10)).length, 1);
    await storage.actions.schedule('start', 'next', 1, T0 + 30, T0);
    await startRunner();
    await clock.advance(30);
    assert.ok(await until(async () => (await stateOf('next')) === 'done'), 'claimed at T0 + 30 ms');
    assert.ok(await until(() => clock.pendingTimers === 1 && looks === 2), `two looks so far (${looks})`);
    // Fake time stands still: a runner waking for the leased action would look again and again meanwhile.
    await until(() => looks > 2, 40);
    assert.equal(looks, 2, 'no look before the next poll');
    await clock.advance(250);
    assert.ok(await until(() => looks === 3), 'the poll at T0 + 280 ms');
    assert.equal(await stateOf('elsewhere'), 'pending', 'still held by the other process');
  });
});
