/**
 * HTTP Basic authentication (RFC 7617) for every service: reading the `Authorization` header,
 * comparing the credentials in constant time, and building the header a client sends.
 *
 * The comparison hashes both sides with HMAC-SHA-256 under a key drawn at start, then compares the
 * fixed-length digests with `timingSafeEqual`: the time taken depends neither on where the strings
 * differ nor on their lengths, and the user and the password are both compared whatever the outcome
 * of the first (so timing does not tell which one was wrong).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The scheme is matched case-insensitively and must be followed by a space (`Basic dXNlcjpwdw==`). */
const BASIC_SCHEME = /^basic /i;

/** The credentials a request carries, or undefined (no header, another scheme, no colon after decoding). */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || !BASIC_SCHEME.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const COMPARE_KEY = randomBytes(32);

function digest(text: string): Buffer {
  return createHmac('sha256', COMPARE_KEY).update(text, 'utf8').digest();
}

/** Equality of two secrets in time independent of their contents and lengths. */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Both parts compared, always: no early return when the user is already wrong. */
export function credentialsMatch(given: BasicCredentials | undefined, expected: BasicCredentials): boolean {
  const userOk = secretEquals(given?.user ?? '', expected.user);
  const passwordOk = secretEquals(given?.password ?? '', expected.password);
  return given !== undefined && userOk && passwordOk;
}

/** True when the header carries exactly the expected credentials. */
export function checkBasicAuth(header: string | undefined, expected: BasicCredentials): boolean {
  return credentialsMatch(parseBasicAuth(header), expected);
}

/** The `Authorization` header value a client sends. */
export function basicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}`;
}
