import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { tightenDataDir, tightenFile, writePrivateFile } from './privateFiles.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * Loads the certificate given by flags, or a self-signed one kept in the data directory, generating it
 * on first start (real CMS clients hard-code https:// and skip verification). Both files are the
 * owner's only (0600), also when an older start left them wider.
 */
export async function loadOrCreateTls(options: {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  dataDir: string;
  commonName?: string;
}): Promise<TlsMaterial> {
  if (options.certFile !== undefined || options.keyFile !== undefined) {
    if (options.certFile === undefined || options.keyFile === undefined) {
      throw new Error('--tls-cert and --tls-key must be given together');
    }
    return { cert: await readFile(options.certFile, 'utf8'), key: await readFile(options.keyFile, 'utf8') };
  }
  const certPath = join(options.dataDir, 'tls-cert.pem');
  const keyPath = join(options.dataDir, 'tls-key.pem');
  tightenDataDir(options.dataDir);
  if (existsSync(certPath) && existsSync(keyPath)) {
    tightenFile(keyPath);
    tightenFile(certPath);
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  }
  const commonName = options.commonName ?? 'switchboard.local';
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: commonName },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writePrivateFile(keyPath, pems.private);
  writePrivateFile(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
