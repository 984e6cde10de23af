/** The bridge's tables, as kysely sees them. Booleans are 0/1 integers on both dialects. */
import type { Generated } from 'kysely';

export interface CallBridgeTable {
  seq: Generated<number>;
  id: string;
  name: string;
  address: string | null;
  sip_domain: string | null;
  call_bridge_group: string | null;
  /** 1 when a running bridge process registered this row for itself. */
  is_node: number;
  last_seen_ms: number | null;
}

export interface CoSpaceTable {
  seq: Generated<number>;
  id: string;
  name: string | null;
  uri: string | null;
  secondary_uri: string | null;
  call_id: string | null;
  passcode: string | null;
  secret: string | null;
  non_member_access: number;
  cdr_tag: string | null;
  default_layout: string | null;
  tenant: string | null;
  call_leg_profile: string | null;
  call_profile: string | null;
  call_branding_profile: string | null;
  dial_in_security_profile: string | null;
  owner_jid: string | null;
  owner_ad_guid: string | null;
  stream_url: string | null;
  meeting_scheduler: string | null;
  pane_placement_highest_importance: number | null;
  pane_placement_self_pane_mode: string | null;
  /** The bulk parameter set that created this space, if any. */
  bulk_parameter_set: string | null;
  auto_generated: number;
  /** Constant for the coSpace's life: ties every call of this space together in CDRs. */
  call_correlator: string;
}

/**
 * Configuration objects whose lists stay small (profiles, dial plan rules, dial transforms, tenants,
 * ...): one row each, fields as JSON, with the few columns list filters need.
 */
export interface ConfigObjectTable {
  seq: Generated<number>;
  kind: string;
  id: string;
  name: string | null;
  tenant: string | null;
  fields: string;
}

export interface AccessMethodTable {
  seq: Generated<number>;
  id: string;
  co_space: string;
  uri: string | null;
  call_id: string | null;
  passcode: string | null;
  /** The remaining parameters (name, callLegProfile, secret, scope, importance, ...) as JSON. */
  fields: string;
}

export interface CoSpaceUserTable {
  seq: Generated<number>;
  id: string;
  co_space: string;
  user_jid: string;
  fields: string;
}

/** Users (LDAP-synchronised on a real CMS; loaded from a users file here). */
export interface CmsUserTable {
  seq: Generated<number>;
  id: string;
  /** Lower-cased. */
  user_jid: string;
  name: string | null;
  email: string | null;
  authentication_id: string | null;
  user_profile: string | null;
  tenant: string | null;
  cdr_tag: string | null;
}

/** A CDR receiver of one call bridge and where its delivery stands (see src/bridge/cdr/pusher.ts). */
export interface CdrReceiverTable {
  seq: Generated<number>;
  id: string;
  call_bridge: string;
  uri: string | null;
  /** 1 for the receiver managed through the deprecated `/system/cdrReceiver`. */
  legacy: number;
  /** Outbox seq through which every record was delivered or dropped. */
  cursor_seq: number;
  /** Session and recordIndex of the last record delivered. */
  session: string | null;
  record_index: number;
  /** Records dropped just before the next one to deliver (`numPreceedingRecordsMissing`). */
  missing: number;
  /** A drop range (drop_after, dropped_through] waiting behind a batch that was in flight. */
  drop_after: number | null;
  dropped_through: number | null;
  range_missing: number;
}

/** Records of one call bridge not yet delivered to all its receivers. */
export interface CdrOutboxTable {
  seq: Generated<number>;
  call_bridge: string;
  session: string;
  correlator_index: number;
  time_ms: number;
  type: string;
  /** The record's inner element, rendered once. */
  body: string;
}

/** `/cospaceBulkParameterSets`: one row per set (migration 0003_bulk). */
export interface CoSpaceBulkParameterSetTable {
  seq: Generated<number>;
  id: string;
  start_index: number;
  end_index: number;
  uri_mapping: string | null;
  name_mapping: string | null;
  call_id_mapping: string | null;
  tenant: string | null;
  call_profile: string | null;
  call_leg_profile: string | null;
  call_branding_profile: string | null;
  non_member_access: number;
}

/** `/cospaceBulkSyncs`: one row per sync request and its progress (migration 0003_bulk). */
export interface CoSpaceBulkSyncTable {
  seq: Generated<number>;
  id: string;
  parameter_set: string;
  remove_all: number;
  status: string;
  /** The call bridge (node) that accepted the sync and runs it. */
  call_bridge: string;
  /** Why a sync failed, for operators (not part of the API answer). */
  detail: string | null;
  created_ms: number;
  updated_ms: number;
}

/** One row (id 1): the number of coSpaces, kept by triggers (migration 0003_bulk). */
export interface CoSpaceCountTable {
  id: number;
  n: number;
}

export interface BridgeDatabase {
  cdr_outbox: CdrOutboxTable;
  cdr_receiver: CdrReceiverTable;
  access_method: AccessMethodTable;
  cms_user: CmsUserTable;
  co_space_count: CoSpaceCountTable;
  co_space_bulk_parameter_set: CoSpaceBulkParameterSetTable;
  co_space_bulk_sync: CoSpaceBulkSyncTable;
  co_space_user: CoSpaceUserTable;
  call_bridge: CallBridgeTable;
  co_space: CoSpaceTable;
  config_object: ConfigObjectTable;
}
