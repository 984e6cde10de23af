/**
 * The origin (scheme, host, port) a request was made to, and same-origin checks against it. The scheme
 * is the connection's own (TLS or not) and the host is the Host header: there is no trusted-proxy
 * setting, so `X-Forwarded-*` headers are never believed.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

/** The request's origin, serialized as the WHATWG URL standard does (`http://host:port`); undefined when the Host header names no host. */
export function requestOrigin(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  if (host === undefined || host === '') return undefined;
  const scheme = (request.raw.socket as Partial<TLSSocket> | null)?.encrypted === true ? 'https' : 'http';
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}`);
  } catch {
    return undefined;
  }
  // "host/path", "user@host" or "host?x" is not a Host header value.
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[/?#@\\]/.test(host)) return undefined;
  return url.origin;
}

/** True when an `Origin` header value names exactly the request's own origin (scheme, host and port). */
export function isSameOrigin(request: FastifyRequest, origin: string): boolean {
  const own = requestOrigin(request);
  if (own === undefined) return false;
  try {
    return new URL(origin).origin === own;
  } catch {
    return false;
  }
}

/**
 * Where to go after login: `next` resolved with the WHATWG URL parser against the request's origin,
 * accepted only when the result has that same origin; then only its path and query are used. Anything
 * else (another origin, an unparsable value, the login page itself) is `/`.
 */
export function sameOriginPath(request: FastifyRequest, next: unknown): string {
  if (typeof next !== 'string' || next === '' || next.length > 2000) return '/';
  const own = requestOrigin(request);
  if (own === undefined) return '/';
  let url: URL;
  try {
    url = new URL(next, `${own}/`);
  } catch {
    return '/';
  }
  if (url.origin !== own) return '/';
  // The parser keeps empty path segments ("/.//host" → "//host"): collapse leading slashes so the path
  // can never be read as a network-path reference to another host.
  const path = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
  return path === '/login' || path.startsWith('/login?') || path.startsWith('/login/') ? '/' : path;
}
