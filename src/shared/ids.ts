import { randomBytes, randomUUID } from 'node:crypto';

/** A lower-case 8-4-4-4-12 GUID, as CMS uses for every object id. */
export function newGuid(): string {
  return randomUUID();
}

/** A 22-character base64url secret, the shape CMS gives coSpace secrets. */
export function newSecret(): string {
  return randomBytes(16).toString('base64url');
}
