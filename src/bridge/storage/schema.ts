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

export interface BridgeDatabase {
  access_method: AccessMethodTable;
  cms_user: CmsUserTable;
  co_space_user: CoSpaceUserTable;
  call_bridge: CallBridgeTable;
  co_space: CoSpaceTable;
  config_object: ConfigObjectTable;
}
