/**
 * CDR receivers: the rules CMS applies to them, free of HTTP and SQL (cms-api.md §2.2, cdr.md §1).
 * - at most 4 per call bridge (`tooManyCdrReceivers`);
 * - the parameter is `uri`, also accepted as `url` (Cisco's prose and Postman collection say `url`);
 * - a URI is a full `http://` or `https://` URL with a host; its path and query string are kept and
 *   sent exactly as configured (the query's meaning is the receiver's).
 */
import { bridgeErrors } from '../errors.ts';
import { str, type ParamDef, type ParamValues, getString } from '../params.ts';

export const MAX_CDR_RECEIVERS = 4;
export const CDR_URI_MAX = 1024;

export const cdrReceiverParams: readonly ParamDef[] = [{ name: 'uri', field: str(CDR_URI_MAX), aliases: ['url'] }];

export interface CdrReceiverTarget {
  /** `scheme://host[:port]` */
  readonly origin: string;
  /** Path and query string exactly as configured (`/` when the URI has none). */
  readonly path: string;
}

const URI_RE = /^(https?):\/\/([^/?#\s]+)([^#\s]*)(?:#.*)?$/i;

/** Splits a receiver URI for sending, or undefined when it is not a usable http(s) URL. */
export function receiverTarget(uri: string): CdrReceiverTarget | undefined {
  const match = URI_RE.exec(uri);
  if (!match) return undefined;
  const [, scheme = '', authority = '', rest = ''] = match;
  if (authority.includes('@')) return undefined; // credentials in the URI: not a form CMS documents
  try {
    const parsed = new URL(`${scheme.toLowerCase()}://${authority}/`);
    if (parsed.hostname === '') return undefined;
  } catch {
    return undefined;
  }
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  if (/[\p{Cc}\s]/u.test(path)) return undefined;
  return { origin: `${scheme.toLowerCase()}://${authority}`, path };
}

/** The uri a request sets: a validated string, `null` to unset, `undefined` when not given. */
export function readReceiverUri(values: ParamValues): string | null | undefined {
  const uri = getString(values, 'uri');
  if (uri === undefined || uri === null) return uri;
  if (!receiverTarget(uri)) throw bridgeErrors.parameterError('uri', 'invalidValue');
  return uri;
}

export function assertRoomForReceiver(count: number): void {
  if (count >= MAX_CDR_RECEIVERS) throw bridgeErrors.refused('tooManyCdrReceivers');
}
