/** `HOST:PORT` listen addresses (port 0 allowed) and the URL a bound server is reachable at. */
import type { AddressInfo } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(value: string, flag = '--listen'): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) throw new Error(`${flag} takes HOST:PORT (port 0 picks a free one), got "${value}"`);
  const host = match[1] ?? (match[2] === '' || match[2] === undefined ? '127.0.0.1' : match[2]);
  return { host, port };
}

export function urlOf(protocol: 'http' | 'https', address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${protocol}://${host}:${address.port}`;
}
