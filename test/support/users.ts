/** Writes a users file (the `--users FILE.json` a bridge loads at start) to a fresh temporary directory. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeUsersFile(users: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-users-')), 'users.json');
  writeFileSync(path, JSON.stringify(users));
  return path;
}
