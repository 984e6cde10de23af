import { randomBytes, randomUUID } from 'node:crypto';

/** A lower-case 8-4-4-4-12 GUID, as CMS uses for every object id. */
export function newGuid(): string {
  return randomUUID();
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/** A 22-character base64url secret, the shape CMS gives coSpace secrets. */
export function newSecret(): string {
  return randomBytes(16).toString('base64url');
}
