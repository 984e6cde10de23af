/** Table types of the scheduler's database (snake_case columns; booleans as 0/1; times as epoch ms). */
import type { Generated } from 'kysely';

export interface ManagedBridgeTable {
  seq: Generated<number>;
  id: string;
  name: string | null;
  address: string;
  username: string;
  password_enc: string;
  allow_self_signed: number;
  domain: string | null;
  range_start: number | null;
  range_end: number | null;
  call_profile: string | null;
  call_leg_profile: string | null;
  bulk_parameter_set: string | null;
  bulk_sync: string | null;
  provision_state: string;
  provision_error: string | null;
  missing_spaces: string;
  software_version: string | null;
  cluster: string;
  alternate_address: string | null;
  alternate_username: string | null;
  alternate_password_enc: string | null;
  alternate_allow_self_signed: number;
  created_ms: number;
}

export interface SpaceTable {
  seq: Generated<number>;
  bridge_id: string;
  number: number;
  co_space_id: string | null;
  /** `bookingId#occurrence` of the meeting using the space, null when free. */
  holder: string | null;
}

export interface BookingTable {
  seq: Generated<number>;
  id: string;
  organizer: string;
  series: string;
  sequence: number;
  cancelled: number;
  created_ms: number;
  updated_ms: number;
}

export interface MeetingTable {
  seq: Generated<number>;
  booking_id: string;
  occurrence: number;
  bridge_id: string | null;
  start_ms: number;
  end_ms: number;
  title: string;
  pin: string | null;
  participants: string;
  type: string;
  state: string;
  space_number: number | null;
  co_space_id: string | null;
  call_id: string | null;
  /** The guest-link secret the opening PUT set (sent again to mark an extension). */
  secret: string | null;
  /** 'primary' | 'alternate': which address of the bridge ran (runs) the meeting. */
  endpoint: string | null;
  space_opened: number;
  call_posting: number;
  error: string | null;
  updated_ms: number;
}

export interface DialOutTable {
  seq: Generated<number>;
  booking_id: string;
  occurrence: number;
  uri: string;
  name: string | null;
  state: string;
  call_leg_id: string | null;
  attempts: number;
  updated_ms: number;
}

export interface ActionTable {
  seq: Generated<number>;
  id: string;
  kind: string;
  booking_id: string;
  occurrence: number;
  due_ms: number;
  state: string;
  lease_owner: string | null;
  lease_until_ms: number | null;
  attempts: number;
  last_error: string | null;
  created_ms: number;
}

export interface AuditTable {
  seq: Generated<number>;
  booking_id: string | null;
  occurrence: number | null;
  bridge_id: string | null;
  at_ms: number;
  kind: string;
  method: string | null;
  path: string | null;
  fields: string | null;
  attempt: number | null;
  status: number | null;
  location: string | null;
  body: string | null;
  error: string | null;
  duration_ms: number | null;
}

export interface SchedulerDatabase {
  managed_bridge: ManagedBridgeTable;
  space: SpaceTable;
  booking: BookingTable;
  meeting: MeetingTable;
  dial_out: DialOutTable;
  action: ActionTable;
  audit: AuditTable;
}
