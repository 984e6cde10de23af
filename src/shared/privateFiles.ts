/**
 * The data directory holds passcodes, password hashes, sessions, API credentials, ingest tokens and
 * TLS keys, so it is readable by its owner only: the directory 0700 and every file in it 0600,
 * whatever the umask. Files are created with those modes and set to them again (chmod) when they
 * already exist, so files left with wider modes (an older installation, a copy, a restore) are tightened at start.
 */
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** chmod that tolerates a missing path, and a path owned by someone else (nothing this process can tighten). */
function chmodIfPresent(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw error;
  }
}

/**
 * Creates `dir` (and missing parents) 0700. A directory this call did not create is left as it is:
 * it may be a shared one (`--database sqlite:/tmp/x.db`). The data directory itself is tightened by
 * `tightenDataDir`.
 */
export function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodIfPresent(dir, PRIVATE_DIR_MODE);
}

/**
 * The data directory: created 0700, or set to 0700 when it exists. Left alone: a symbolic link, and a
 * shared directory (sticky bit, as `/tmp` has) that someone gave as `--data`.
 */
export function tightenDataDir(dir: string): void {
  ensureDir(dir);
  const stat = lstatSync(dir);
  if (!stat.isSymbolicLink() && (stat.mode & 0o1000) === 0) chmodIfPresent(dir, PRIVATE_DIR_MODE);
}

/** Makes `path` exist as a file with mode 0600 (created empty when missing), without changing its content. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodIfPresent(path, PRIVATE_FILE_MODE);
}

/** Writes `path` (replacing its content) with mode 0600, also when it existed with a wider one. */
export function writePrivateFile(path: string, data: string): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE });
  chmodIfPresent(path, PRIVATE_FILE_MODE);
}

/** Sets an existing file to 0600 (a missing one is no error). */
export function tightenFile(path: string): void {
  chmodIfPresent(path, PRIVATE_FILE_MODE);
}

/**
 * A SQLite database's files before it is opened: the main file created (or set) 0600 and its
 * `-wal`, `-shm` and `-journal` files set to 0600 if present. SQLite creates those with the main
 * file's mode, so new ones are 0600 too.
 */
export function prepareSqliteFiles(path: string): void {
  ensureDir(dirname(resolve(path)));
  ensurePrivateFile(path);
  for (const suffix of ['-wal', '-shm', '-journal']) tightenFile(`${path}${suffix}`);
}
