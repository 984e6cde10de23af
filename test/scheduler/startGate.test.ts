/** StartGate on the fake clock: start slots in arrival order, and other work held while starts are before their call. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, settle } from '../../src/shared/clock.ts';
import { StartGate } from '../../src/scheduler/runner/startGate.ts';

/** A promise the test resolves by hand. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

test('slots: at most `concurrency` at once, the next in line gets a freed slot before any newcomer', async () => {
  const gate = new StartGate(new FakeClock(), { concurrency: 2, maxHoldMs: 5_000 });
  const order: string[] = [];
  const latches = new Map<string, ReturnType<typeof latch>>();
  const run = (name: string): Promise<void> =>
    gate.slot(async () => {
      order.push(`in ${name}`);
      const l = latch();
      latches.set(name, l);
      await l.promise;
      order.push(`out ${name}`);
    });
  const all = ['a', 'b', 'c', 'd'].map(run);
  await settle();
  assert.deepEqual(order, ['in a', 'in b'], 'two at once; c and d wait');
  latches.get('a')?.open();
  await settle();
  const late = run('e');
  await settle();
  assert.deepEqual(order, ['in a', 'in b', 'out a', 'in c'], 'c took the freed slot; e waits behind d');
  latches.get('b')?.open();
  await settle();
  assert.deepEqual(order.slice(4), ['out b', 'in d']);
  latches.get('c')?.open();
  await settle();
  assert.deepEqual(order.slice(6), ['out c', 'in e']);
  latches.get('d')?.open();
  latches.get('e')?.open();
  await Promise.all([...all, late]);
  assert.equal(order.length, 10);
});

test('a slot is given back when the steps fail', async () => {
  const gate = new StartGate(new FakeClock(), { concurrency: 1, maxHoldMs: 5_000 });
  await assert.rejects(gate.slot(() => Promise.reject(new Error('bridge said no'))), /bridge said no/);
  assert.equal(await gate.slot(() => Promise.resolve('next')), 'next');
});

test('quiet: held while any start is before its call, released when the last one has it', async () => {
  const clock = new FakeClock();
  const gate = new StartGate(clock, { concurrency: Infinity, maxHoldMs: 5_000 });
  await gate.quiet(); // nothing starting: not held
  const first = latch();
  const second = latch();
  const starts = [gate.beforeCall(() => first.promise), gate.beforeCall(() => second.promise)];
  assert.equal(gate.starting, 2);
  let released = false;
  const held = gate.quiet().then(() => {
    released = true;
  });
  first.open();
  await settle();
  assert.equal(released, false, 'one start is still before its call');
  assert.equal(gate.held, 1);
  second.open();
  await Promise.all([...starts, held]);
  assert.equal(released, true);
  assert.equal(gate.held, 0);
  assert.equal(clock.pendingTimers, 0, 'the safety timer is cancelled');
});

test('quiet: a start that fails counts as done; a start that hangs holds work back at most maxHoldMs', async () => {
  const clock = new FakeClock();
  const gate = new StartGate(clock, { concurrency: Infinity, maxHoldMs: 5_000 });
  await assert.rejects(gate.beforeCall(() => Promise.reject(new Error('unreachable'))));
  assert.equal(gate.starting, 0);
  const hanging = latch();
  const start = gate.beforeCall(() => hanging.promise);
  let released = false;
  const held = gate.quiet().then(() => {
    released = true;
  });
  await clock.advance(4_999);
  assert.equal(released, false);
  await clock.advance(1);
  await held;
  assert.equal(released, true, 'released by the safety bound');
  hanging.open();
  await start;
});
