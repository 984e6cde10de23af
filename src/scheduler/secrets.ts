/**
 * Bridge passwords at rest: AES-256-GCM with a 32-byte key from `SWITCHBOARD_SECRET_KEY` (64 hex
 * characters or base64). Without it, a random key is generated once into `<data dir>/scheduler-secret.key`
 * (mode 0600, set again on every start) and reused on every start; losing that file makes stored bridge
 * passwords unreadable (re-enter them with PATCH /api/v1/bridges/<id>). Sealed values look like `v1:<base64(iv|tag|ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, tightenDataDir, tightenFile } from '../shared/privateFiles.ts';

export type KeySource = 'environment' | 'keyFile' | 'generatedKeyFile' | 'given';

export class SecretBox {
  readonly #key: Buffer;
  readonly source: KeySource;

  constructor(key: Buffer, source: KeySource = 'given') {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes (AES-256)');
    this.#key = key;
    this.source = source;
  }

  /** The key from the environment, else the data directory's key file (created when missing). */
  static load(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    const fromEnv = env['SWITCHBOARD_SECRET_KEY'];
    if (fromEnv !== undefined && fromEnv !== '') return new SecretBox(parseKey(fromEnv, 'SWITCHBOARD_SECRET_KEY'), 'environment');
    const file = join(dataDir, 'scheduler-secret.key');
    tightenDataDir(dataDir);
    if (existsSync(file)) {
      tightenFile(file);
      return new SecretBox(parseKey(readFileSync(file, 'utf8').trim(), file), 'keyFile');
    }
    const key = randomBytes(32);
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    tightenFile(file);
    return new SecretBox(key, 'generatedKeyFile');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    if (raw.length < 28) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a stored bridge password cannot be decrypted with this secret key (was SWITCHBOARD_SECRET_KEY changed?)');
    }
  }
}

function parseKey(value: string, where: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${where}: the key must be 32 bytes, as 64 hex characters or base64`);
  return key;
}
