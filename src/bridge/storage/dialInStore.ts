/** SQL for what an incoming call needs: which coSpace (or access method) a URI or call id reaches, and membership. */
import { sql, type Kysely } from 'kysely';
import type { BridgeDatabase } from './schema.ts';

export interface DialInTarget {
  readonly coSpace: string;
  /** Set when the destination is an access method rather than the coSpace itself. */
  readonly accessMethod: { readonly id: string; readonly passcode: string | null; readonly callLegProfile: string | null } | null;
}

function accessTarget(row: { id: string; co_space: string; passcode: string | null; fields: string }): DialInTarget {
  const fields = JSON.parse(row.fields) as Record<string, unknown>;
  const profile = fields['callLegProfile'];
  return {
    coSpace: row.co_space,
    accessMethod: { id: row.id, passcode: row.passcode, callLegProfile: typeof profile === 'string' && profile !== '' ? profile : null },
  };
}

export class DialInStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  /** `uri` is a lower-cased user part. */
  async byUri(uri: string): Promise<DialInTarget | undefined> {
    const direct = await this.db
      .selectFrom('co_space')
      .select('id')
      .where((eb) => eb.or([eb('uri', '=', uri), eb('secondary_uri', '=', uri)]))
      .executeTakeFirst();
    if (direct) return { coSpace: direct.id, accessMethod: null };
    const access = await this.db.selectFrom('access_method').select(['id', 'co_space', 'passcode', 'fields']).where('uri', '=', uri).executeTakeFirst();
    return access ? accessTarget(access) : undefined;
  }

  async byCallId(callId: string): Promise<DialInTarget | undefined> {
    const direct = await this.db.selectFrom('co_space').select('id').where('call_id', '=', callId).executeTakeFirst();
    if (direct) return { coSpace: direct.id, accessMethod: null };
    const access = await this.db
      .selectFrom('access_method')
      .select(['id', 'co_space', 'passcode', 'fields'])
      .where('call_id', '=', callId)
      .executeTakeFirst();
    return access ? accessTarget(access) : undefined;
  }

  /** Whether `userJid` (any case) is a member (coSpaceUser) of the coSpace. */
  async isMember(coSpace: string, userJid: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('co_space_user')
      .select('id')
      .where('co_space', '=', coSpace)
      .where(sql<string>`lower(user_jid)`, '=', userJid.toLowerCase())
      .executeTakeFirst();
    return row !== undefined;
  }
}
