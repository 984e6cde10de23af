/** Query-parameter schemas of the query API (zod). Unknown or malformed parameters → 400 invalidParameter. */
import { z } from 'zod';
import { collectorErrors } from '../errors.ts';

const time = z.string().transform((value, ctx) => {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const text = z.string().min(1).max(512);
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const format = z.enum(['json', 'csv']).default('json');
const paging = { limit: integer(1, 1000).default(100), offset: integer(0, 1e12).default(0) };
const range = { from: time.optional(), to: time.optional() };

export const callsQuery = z.strictObject({
  ...range,
  ...paging,
  format,
  coSpace: text.optional(),
  callBridge: text.optional(),
  tenant: text.optional(),
  cdrTag: text.optional(),
  remoteParty: text.optional(),
  reason: text.optional(),
});

export const callLegsQuery = z.strictObject({
  ...range,
  ...paging,
  format,
  call: text.optional(),
  coSpace: text.optional(),
  callBridge: text.optional(),
  tenant: text.optional(),
  cdrTag: text.optional(),
  remoteParty: text.optional(),
  reason: text.optional(),
  quality: z.enum(['poor']).optional(),
});

export const meetingsQuery = z.strictObject({ ...range, ...paging, format, coSpace: text.optional() });

export const mediaQuery = z.strictObject({ ...range, ...paging, format });

export const recordsQuery = z.strictObject({
  ...paging,
  format,
  session: text.optional(),
  type: text.optional(),
  fromIndex: integer(0, 1e15).optional(),
  toIndex: integer(0, 1e15).optional(),
});

export const plainQuery = z.strictObject({ format });

export const quarantineQuery = z.strictObject({ ...paging, format });

export const reportQuery = z.strictObject({ ...range, format });

export const usageQuery = z.strictObject({ ...range, format, groupBy: z.enum(['coSpace', 'remoteParty', 'tenant']).default('coSpace') });

export const topQuery = z.strictObject({
  ...range,
  format,
  by: z.enum(['coSpace', 'remoteParty', 'tenant']).default('coSpace'),
  limit: integer(1, 1000).default(10),
});

export function readQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const result = schema.safeParse(query ?? {});
  if (!result.success) {
    throw collectorErrors.invalidParameter(
      result.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.join('.') : ((issue as { keys?: string[] }).keys ?? []).join(','),
        message: issue.message,
      })),
    );
  }
  return result.data;
}
