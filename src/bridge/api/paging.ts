/**
 * `offset` / `limit` paging as CMS does it: the server returns the lower of the client's limit and its
 * own per-object cap; an offset past the end returns no items; `total` counts every match.
 */
import { bridgeErrors } from '../errors.ts';
import type { FormFields } from './form.ts';

/** Per-object caps: configuration lists 20, live objects (calls, call legs, participants) 10. */
export const CONFIG_PAGE_CAP = 20;
export const LIVE_PAGE_CAP = 10;

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

const MAX_OFFSET = 1_000_000_000;

export function readPage(query: FormFields, cap: number): Page {
  return { offset: readNonNegative(query, 'offset', 0, MAX_OFFSET), limit: Math.min(readNonNegative(query, 'limit', cap, Number.MAX_SAFE_INTEGER), cap) };
}

function readNonNegative(query: FormFields, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw)) throw bridgeErrors.parameterError(name, 'invalidValue');
  const n = Number(raw);
  if (n > max) throw bridgeErrors.parameterError(name, 'invalidValue');
  return n;
}
