// `npm run fuzz`: the standing fuzz suite (test/fuzz) with long runs. Sets SWITCHBOARD_FUZZ_RUNS
// (runs per property; default 2000 here, a few dozen in `npm test`) unless it is already set, then
// runs the files as `npm test` does. Extra arguments narrow the run (`npm run fuzz -- test/fuzz/web.test.ts`);
// SWITCHBOARD_FUZZ_SEED and SWITCHBOARD_FUZZ_PATH replay a failure (test/support/fuzz.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const roots = args.filter((a) => !a.startsWith('--'));
const env = { ...process.env, SWITCHBOARD_FUZZ_RUNS: process.env.SWITCHBOARD_FUZZ_RUNS ?? '2000' };
const runner = join(import.meta.dirname, 'run-tests.mjs');
const result = spawnSync(process.execPath, [runner, ...(roots.length > 0 ? [] : ['test/fuzz']), ...args], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
