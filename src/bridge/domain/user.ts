/**
 * Users. A real CMS creates them by LDAP sync and the API only reads them; Switchboard loads them
 * from a JSON file at start (`switchboard bridge --users FILE.json`), upserting by `userJid`
 * (case-insensitive, stored lower-cased) so a user's id stays stable across restarts. Users missing
 * from the file are left in place.
 *
 * File format: a JSON array of
 * `{ "userJid": "ken@example.com", "name"?, "email"?, "authenticationId"?, "userProfile"?, "tenant"?, "cdrTag"? }`.
 */
import { z } from 'zod';

export interface User {
  readonly id: string;
  readonly userJid: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly authenticationId: string | null;
  readonly userProfile: string | null;
  readonly tenant: string | null;
  readonly cdrTag: string | null;
}

export type UserEntry = Omit<User, 'id'>;

const JID = /^[^\s@/<>"]+@[^\s@/<>"]+$/;

const optionalText = (max: number) => z.string().max(max).optional();

const entrySchema = z
  .object({
    userJid: z.string().regex(JID, 'userJid must look like user@domain').max(256),
    name: optionalText(256),
    email: optionalText(256),
    authenticationId: optionalText(256),
    userProfile: z.string().regex(/^[0-9a-f-]{1,64}$/i).optional(),
    tenant: z.string().regex(/^[0-9a-f-]{1,64}$/i).optional(),
    cdrTag: optionalText(100),
  })
  .strict();

const fileSchema = z.array(entrySchema);

/** Validates a users file's parsed JSON; throws an Error naming the first problem. */
export function parseUsersFile(json: unknown): UserEntry[] {
  const result = fileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`users file: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  const seen = new Set<string>();
  return result.data.map((e) => {
    const userJid = e.userJid.toLowerCase();
    if (seen.has(userJid)) throw new Error(`users file: ${userJid} appears twice`);
    seen.add(userJid);
    return {
      userJid,
      name: e.name ?? null,
      email: e.email ?? null,
      authenticationId: e.authenticationId ?? null,
      userProfile: e.userProfile?.toLowerCase() ?? null,
      tenant: e.tenant?.toLowerCase() ?? null,
      cdrTag: e.cdrTag ?? null,
    };
  });
}
