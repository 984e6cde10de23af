/**
 * The service boundaries of docs/architecture.md hold by lint (eslint.config.js): a service imports
 * only shared/, clients/ and itself; a client imports no service; nothing imports up.ts.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The restricted-import messages ESLint gives for `code` placed at `filePath` (an existing file). */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  assert.ok(result);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('a service importing another service fails lint', async () => {
  const errors = await boundaryErrors('src/collector/errors.ts', "export type { BridgeContext } from '../bridge/context.ts';\n");
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /src\/collector\/ imports only shared\/, clients\/ and itself/);
});

test('the web UI importing a service, and a client importing a service, fail lint', async () => {
  assert.equal((await boundaryErrors('src/web/errors.ts', "export type { RunningScheduler } from '../../src/scheduler/server.ts';\nexport type { SchedulerStorage } from '../scheduler/storage/index.ts';\n")).length, 2);
  assert.equal((await boundaryErrors('src/web/bridges/live.ts', "export type { BridgeContext } from '../../bridge/context.ts';\n")).length, 1);
  assert.equal((await boundaryErrors('src/clients/cms/errors.ts', "export { schedulerErrors } from '../../scheduler/errors.ts';\n")).length, 1);
  assert.equal((await boundaryErrors('src/bridge/errors.ts', "export { startSystem } from '../up.ts';\n")).length, 1);
});

test('shared/, clients/ and the service itself are allowed', async () => {
  const errors = await boundaryErrors(
    'src/scheduler/errors.ts',
    "export { CmsClient } from '../clients/cms/client.ts';\nexport { systemClock } from '../shared/clock.ts';\nexport type { RunningScheduler } from './server.ts';\n",
  );
  assert.deepEqual(errors, []);
});
