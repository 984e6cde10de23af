/**
 * `npm run bench [-- NAME...]`: runs every `bench/*.bench.ts` (or those whose file name contains one
 * of the NAMEs) one after the other, each in its own Node process so one benchmark's heap, JIT state
 * and leftover servers cannot colour the next. Each benchmark is a standalone script that prints its
 * own figures (and ratios against a baseline it measures in the same run) and exits non-zero on error.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const chosen = all.filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)));
if (chosen.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; available: ${all.join(', ') || '(none)'}`);
  process.exit(1);
}

const results: Array<{ file: string; status: number | null; seconds: number }> = [];
for (const file of chosen) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], { stdio: 'inherit', env: process.env });
  results.push({ file, status: run.status, seconds: (Date.now() - started) / 1000 });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.status === 0 ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds.toFixed(1)} s)`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
