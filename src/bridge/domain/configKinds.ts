/**
 * The small CMS configuration objects (profiles, dial plan rules, dial transforms, tenants, groups) as
 * declarations: one `ConfigKind` per collection names its parameters, required ones, create-time
 * defaults, summary fields, list filters and any rule of its own. One generic API module serves them
 * all; the stored fields are keyed by the canonical parameter name, so other parts (the call engine)
 * read e.g. `callProfiles.participantLimit` straight from the store.
 *
 * Rules, free of HTTP and SQL:
 * - an empty value unsets a field (on POST too); omitted fields are unchanged on PUT; `required`
 *   parameters must be sent on POST and cannot be unset by PUT (`missingParameter`);
 * - parameters naming another object (`ref(...)`) must name an existing one → `<xDoesNotExist/>` (400);
 * - fields listed in `lowerCase` are stored lower-cased (domains match case-insensitively);
 * - `inboundDialPlanRules`: two rules may not share a domain → `inboundDialPlanRuleUriConflict`.
 */
import { BridgeError, bridgeErrors } from '../errors.ts';
import { bool, int, oneOf, ref, str, type ParamDef, type ParamValues } from '../params.ts';
import { CALL_LEG_PROFILE_FIELDS } from './callLegProfile.ts';
import { doesNotExist } from './coSpace.ts';

export type ConfigFields = Record<string, string | number | boolean>;

export interface ConfigRecord {
  readonly id: string;
  readonly fields: ConfigFields;
}

/** What a configuration write needs to know about the rest of the configuration. */
export interface ConfigNamespace {
  referenceExists(collection: string, id: string): Promise<boolean>;
  /** Every other object of the same kind (for uniqueness rules). */
  siblings(collection: string, except: string | undefined): Promise<ConfigRecord[]>;
}

export type ListFilter = 'filter' | 'tenantFilter' | 'usageFilter' | 'callLegProfileFilter';

export interface ConfigKind {
  /** Collection name = path segment = `config_object.kind`: `callProfiles`. */
  readonly collection: string;
  /** Element name of one object: `callProfile`. */
  readonly element: string;
  readonly params: readonly ParamDef[];
  /** Parameters a POST must carry. */
  readonly required?: readonly string[];
  /** Values a POST stores for parameters it does not send (documented CMS create defaults). */
  readonly defaults?: Readonly<ConfigFields>;
  /** Child elements of a list item, in order; 'all' = every set field like the detail. */
  readonly summary: readonly string[] | 'all';
  /** Fields the detail shows as `<x/>` when unset (as CMS samples do); others are omitted. */
  readonly showEmpty?: readonly string[];
  /** Fields stored lower-cased. */
  readonly lowerCase?: readonly string[];
  /** The list query parameters this collection supports. */
  readonly filters: readonly ListFilter[];
  /** Fields `filter` searches (case-insensitive substring). */
  readonly filterFields?: readonly string[];
  /** A rule of this kind beyond parameter validation; throws a BridgeError. */
  readonly check?: (fields: ConfigFields, id: string, namespace: ConfigNamespace) => Promise<void>;
}

const PROFILE_FILTERS: readonly ListFilter[] = ['usageFilter'];
const RULE_FILTERS: readonly ListFilter[] = ['filter', 'tenantFilter'];

const callProfiles: ConfigKind = {
  collection: 'callProfiles',
  element: 'callProfile',
  params: [
    { name: 'name', field: str(256) },
    { name: 'participantLimit', field: int(0, 2147483647) },
    { name: 'messageBoardEnabled', field: bool },
    { name: 'locked', field: bool },
    { name: 'recordingMode', field: oneOf('disabled', 'manual', 'automatic') },
    { name: 'streamingMode', field: oneOf('disabled', 'manual', 'automatic') },
    { name: 'lockMode', field: oneOf('all', 'needsActivation') },
    { name: 'sipRecorderUri', field: str(256) },
    { name: 'sipStreamerUri', field: str(256) },
    { name: 'passcodeMode', field: oneOf('required', 'timeout') },
    { name: 'passcodeTimeout', field: int(0, 2147483647) },
    { name: 'gatewayAudioCallOptimization', field: bool },
    { name: 'lyncConferenceMode', field: oneOf('dualHomeCluster', 'dualHomeCallBridge', 'gateway') },
    { name: 'messageBannerText', field: str(256) },
    { name: 'chatAllowed', field: bool },
    { name: 'raiseHandEnabled', field: bool },
    { name: 'notesAllowed', field: bool },
    { name: 'captionsAllowed', field: bool },
    { name: 'backgroundBlurAllowed', field: bool },
    { name: 'fileReceiveAllowed', field: bool },
    { name: 'surveyAllowed', field: bool },
  ],
  defaults: { recordingMode: 'manual', streamingMode: 'manual' },
  summary: ['name'],
  filters: PROFILE_FILTERS,
};

const callLegProfiles: ConfigKind = {
  collection: 'callLegProfiles',
  element: 'callLegProfile',
  params: [{ name: 'name', field: str(256) }, ...CALL_LEG_PROFILE_FIELDS],
  summary: 'all',
  filters: PROFILE_FILTERS,
};

const dialTransforms: ConfigKind = {
  collection: 'dialTransforms',
  element: 'dialTransform',
  params: [
    { name: 'type', field: oneOf('raw', 'strip', 'phone') },
    { name: 'match', field: str(1024) },
    { name: 'transform', field: str(1024) },
    { name: 'priority', field: int(-2147483648, 2147483647) },
    { name: 'action', field: oneOf('accept', 'acceptPhone', 'deny') },
  ],
  defaults: { priority: 0 },
  summary: ['type'],
  filters: ['filter'],
  filterFields: ['match', 'transform'],
};

const DOMAIN = /^[^\s\p{Cc}@<>"]{1,254}$/u;

const outboundDialPlanRules: ConfigKind = {
  collection: 'outboundDialPlanRules',
  element: 'outboundDialPlanRule',
  params: [
    { name: 'domain', field: str(254, DOMAIN) },
    { name: 'priority', field: int(-2147483648, 2147483647) },
    { name: 'localContactDomain', field: str(254, DOMAIN) },
    { name: 'localFromDomain', field: str(254, DOMAIN) },
    { name: 'sipProxy', field: str(254) },
    { name: 'trunkType', field: oneOf('sip', 'lync', 'avaya') },
    { name: 'failureAction', field: oneOf('stop', 'continue') },
    { name: 'sipControlEncryption', field: oneOf('auto', 'encrypted', 'unencrypted') },
    { name: 'scope', field: oneOf('global', 'callBridge', 'callBridgeGroup') },
    { name: 'callBridge', field: ref('callBridges') },
    { name: 'callBridgeGroup', field: ref('callBridgeGroups') },
    { name: 'tenant', field: ref('tenants') },
    { name: 'callRouting', field: oneOf('default', 'traversal') },
  ],
  required: ['domain'],
  defaults: { priority: 0, trunkType: 'sip', failureAction: 'stop', sipControlEncryption: 'auto', scope: 'global', callRouting: 'default' },
  summary: ['domain', 'priority', 'tenant'],
  showEmpty: ['localContactDomain', 'localFromDomain'],
  lowerCase: ['domain', 'localContactDomain', 'localFromDomain'],
  filters: RULE_FILTERS,
  filterFields: ['domain', 'sipProxy'],
};

const inboundDialPlanRules: ConfigKind = {
  collection: 'inboundDialPlanRules',
  element: 'inboundDialPlanRule',
  params: [
    { name: 'domain', field: str(254, DOMAIN) },
    { name: 'priority', field: int(-2147483648, 2147483647) },
    { name: 'resolveToUsers', field: bool },
    { name: 'resolveTocoSpaces', field: bool },
    { name: 'resolveToIvrs', field: bool },
    { name: 'resolveToLyncConferences', field: bool },
    { name: 'resolveToLyncSimplejoin', field: bool },
    { name: 'tenant', field: ref('tenants') },
  ],
  required: ['domain'],
  defaults: { priority: 0, resolveToLyncConferences: false },
  summary: ['domain', 'priority', 'tenant'],
  lowerCase: ['domain'],
  filters: RULE_FILTERS,
  filterFields: ['domain'],
  async check(fields, id, namespace) {
    const domain = fields['domain'];
    if (typeof domain !== 'string') return;
    const others = await namespace.siblings('inboundDialPlanRules', id);
    if (others.some((o) => o.fields['domain'] === domain)) throw bridgeErrors.refused('inboundDialPlanRuleUriConflict');
  },
};

const forwardingDialPlanRules: ConfigKind = {
  collection: 'forwardingDialPlanRules',
  element: 'forwardingDialPlanRule',
  params: [
    { name: 'matchPattern', field: str(254, DOMAIN) },
    { name: 'destinationDomain', field: str(254, DOMAIN) },
    { name: 'action', field: oneOf('forward', 'reject') },
    { name: 'callerIdMode', field: oneOf('regenerate', 'preserve') },
    { name: 'priority', field: int(-2147483648, 2147483647) },
    { name: 'tenant', field: ref('tenants') },
    { name: 'uriParameters', field: oneOf('discard', 'forward') },
  ],
  defaults: { priority: 0, callerIdMode: 'regenerate', uriParameters: 'discard' },
  summary: ['matchPattern', 'priority', 'tenant'],
  lowerCase: ['matchPattern', 'destinationDomain'],
  filters: RULE_FILTERS,
  filterFields: ['matchPattern', 'destinationDomain'],
};

const tenants: ConfigKind = {
  collection: 'tenants',
  element: 'tenant',
  params: [
    { name: 'name', field: str(256) },
    { name: 'tenantGroup', field: ref('tenantGroups') },
    { name: 'callLegProfile', field: ref('callLegProfiles') },
    { name: 'callProfile', field: ref('callProfiles') },
    { name: 'dtmfProfile', field: ref('dtmfProfiles') },
    { name: 'ivrBrandingProfile', field: ref('ivrBrandingProfiles') },
    { name: 'callBrandingProfile', field: ref('callBrandingProfiles') },
    { name: 'participantLimit', field: int(0, 2147483647) },
    { name: 'userProfile', field: ref('userProfiles') },
    { name: 'dialInSecurityProfile', field: ref('dialInSecurityProfiles') },
    { name: 'webBridgeProfile', field: ref('webBridgeProfiles') },
  ],
  required: ['name'],
  summary: ['name', 'tenantGroup'],
  filters: ['filter', 'callLegProfileFilter'],
  filterFields: ['name'],
};

const tenantGroups: ConfigKind = {
  collection: 'tenantGroups',
  element: 'tenantGroup',
  params: [],
  summary: [],
  filters: [],
};

const callBridgeGroups: ConfigKind = {
  collection: 'callBridgeGroups',
  element: 'callBridgeGroup',
  params: [
    { name: 'name', field: str(256) },
    { name: 'loadBalancingEnabled', field: bool },
    { name: 'loadBalanceLyncCalls', field: bool },
    { name: 'loadBalanceOutgoingCalls', field: bool },
    { name: 'loadBalanceUserCalls', field: bool },
    { name: 'loadBalanceIndirectCalls', field: bool },
  ],
  defaults: {
    loadBalancingEnabled: false,
    loadBalanceLyncCalls: false,
    loadBalanceOutgoingCalls: false,
    loadBalanceUserCalls: true,
    loadBalanceIndirectCalls: false,
  },
  summary: ['name'],
  filters: [],
};

const URL_TEXT = str(1024);

const callBrandingProfiles: ConfigKind = {
  collection: 'callBrandingProfiles',
  element: 'callBrandingProfile',
  params: [
    { name: 'invitationTemplate', field: URL_TEXT },
    { name: 'resourceLocation', field: URL_TEXT },
  ],
  summary: 'all',
  filters: PROFILE_FILTERS,
};

const DTMF = str(32, /^[0-9A-Da-d*#]{1,32}$/);
const DTMF_ACTIONS = [
  'lockCall',
  'unlockCall',
  'nextLayout',
  'previousLayout',
  'muteSelfAudio',
  'unmuteSelfAudio',
  'toggleMuteSelfAudio',
  'muteAllExceptSelfAudio',
  'unmuteAllExceptSelfAudio',
  'startRecording',
  'stopRecording',
  'startStreaming',
  'stopStreaming',
  'allowAllMuteSelf',
  'cancelAllowAllMuteSelf',
  'allowAllPresentationContribution',
  'cancelAllowAllPresentationContribution',
  'muteAllNewAudio',
  'unmuteAllNewAudio',
  'defaultMuteAllNewAudio',
  'muteAllNewAndAllExceptSelfAudio',
  'unmuteAllNewAndAllExceptSelfAudio',
  'endCall',
  'getTotalParticipantCount',
] as const;

const dtmfProfiles: ConfigKind = {
  collection: 'dtmfProfiles',
  element: 'dtmfProfile',
  params: DTMF_ACTIONS.map((name) => ({ name, field: DTMF })),
  summary: [],
  showEmpty: ['muteSelfAudio', 'unmuteSelfAudio', 'toggleMuteSelfAudio'],
  filters: PROFILE_FILTERS,
};

const ivrBrandingProfiles: ConfigKind = {
  collection: 'ivrBrandingProfiles',
  element: 'ivrBrandingProfile',
  params: [{ name: 'resourceLocation', field: URL_TEXT }],
  summary: ['resourceLocation'],
  filters: PROFILE_FILTERS,
};

const compatibilityProfiles: ConfigKind = {
  collection: 'compatibilityProfiles',
  element: 'compatibilityProfile',
  params: [
    { name: 'sipUdt', field: bool },
    { name: 'sipMultistream', field: bool },
    { name: 'sipMediaPayloadTypeMode', field: oneOf('auto', 'broadsoft') },
    { name: 'chromeWebRtcVideoCodec', field: oneOf('auto', 'avoidH264') },
    { name: 'chromeWebRtcH264interopMode', field: oneOf('auto', 'none') },
    { name: 'h264CHPMode', field: oneOf('auto', 'basic') },
    { name: 'sipH224', field: bool },
    { name: 'distributionLinkMediaTraversal', field: oneOf('enabled', 'disabled') },
  ],
  summary: [],
  filters: PROFILE_FILTERS,
};

const userProfiles: ConfigKind = {
  collection: 'userProfiles',
  element: 'userProfile',
  params: [
    { name: 'canCreateCoSpaces', field: bool },
    { name: 'canCreateCalls', field: bool },
    { name: 'canUseExternalDevices', field: bool },
    { name: 'canMakePhoneCalls', field: bool },
    { name: 'userToUserMessagingAllowed', field: bool },
    { name: 'hasLicense', field: bool },
  ],
  summary: [],
  filters: PROFILE_FILTERS,
};

const dialInSecurityProfiles: ConfigKind = {
  collection: 'dialInSecurityProfiles',
  element: 'dialInSecurityProfile',
  params: [
    { name: 'name', field: str(256) },
    { name: 'minPasscodeLength', field: int(0, 64) },
    { name: 'allowOutOfPolicy', field: bool },
  ],
  summary: ['name'],
  filters: PROFILE_FILTERS,
};

/** `/system/profiles`: the top-level profiles, kept as one configuration object with a fixed id. */
export const systemProfiles: ConfigKind = {
  collection: 'systemProfiles',
  element: 'profiles',
  params: [
    { name: 'callLegProfile', field: ref('callLegProfiles') },
    { name: 'callProfile', field: ref('callProfiles') },
    { name: 'dtmfProfile', field: ref('dtmfProfiles') },
    { name: 'userProfile', field: ref('userProfiles') },
    { name: 'ivrBrandingProfile', field: ref('ivrBrandingProfiles') },
    { name: 'callBrandingProfile', field: ref('callBrandingProfiles') },
    { name: 'compatibilityProfile', field: ref('compatibilityProfiles') },
    { name: 'dialInSecurityProfile', field: ref('dialInSecurityProfiles') },
    { name: 'webBridgeProfile', field: ref('webBridgeProfiles') },
  ],
  summary: 'all',
  filters: [],
};

export const SYSTEM_PROFILES_ID = 'system-profiles';

/** Every configuration kind the generic API module serves, in registration order. */
export const CONFIG_KINDS: readonly ConfigKind[] = [
  callProfiles,
  callLegProfiles,
  dialTransforms,
  outboundDialPlanRules,
  inboundDialPlanRules,
  forwardingDialPlanRules,
  tenants,
  tenantGroups,
  callBridgeGroups,
  callBrandingProfiles,
  dtmfProfiles,
  ivrBrandingProfiles,
  compatibilityProfiles,
  userProfiles,
  dialInSecurityProfiles,
];

/** Every kind kept in the configuration object store, including `/system/profiles`. */
export const STORED_KINDS: readonly ConfigKind[] = [...CONFIG_KINDS, systemProfiles];

/** Applies validated parameters to an object's fields (new or existing) and checks every rule. */
export async function applyConfigParams(
  kind: ConfigKind,
  id: string,
  existing: ConfigFields | undefined,
  values: ParamValues,
  namespace: ConfigNamespace,
): Promise<ConfigFields> {
  const next: ConfigFields = existing ? { ...existing } : { ...kind.defaults };
  const lower = new Set(kind.lowerCase ?? []);
  for (const [name, value] of values) {
    if (value === null) Reflect.deleteProperty(next, name);
    else next[name] = typeof value === 'string' && lower.has(name) ? value.toLowerCase() : value;
  }
  for (const def of kind.params) {
    const value = values.get(def.name);
    if (def.field.type === 'id' && typeof value === 'string' && !(await namespace.referenceExists(def.field.collection, value))) {
      throw bridgeErrors.referenceNotFound(doesNotExist(def.field.collection));
    }
  }
  // Required parameters: a POST must send them and a PUT may not unset them.
  for (const name of kind.required ?? []) if (next[name] === undefined) throw bridgeErrors.parameterError(name, 'missingParameter');
  if (kind.check) await kind.check(next, id, namespace);
  return next;
}

/** The collections a configuration object of `kind` refers to, by field name. */
export function referenceFields(kind: ConfigKind): ReadonlyArray<readonly [field: string, collection: string]> {
  return kind.params.flatMap((p) => (p.field.type === 'id' ? [[p.name, p.field.collection] as const] : []));
}

export interface ListQuery {
  readonly filter?: string | undefined;
  readonly tenant?: string | undefined;
  readonly callLegProfile?: string | undefined;
  readonly usage?: 'referenced' | 'unreferenced' | undefined;
}

/** Whether an object matches the list query (filters a kind does not support are ignored). */
export function matchesListQuery(kind: ConfigKind, object: ConfigRecord, query: ListQuery, referenced: ReadonlySet<string>): boolean {
  const has = (f: ListFilter): boolean => kind.filters.includes(f);
  if (has('filter') && query.filter !== undefined && query.filter !== '') {
    const needle = query.filter.toLowerCase();
    const hit = (kind.filterFields ?? []).some((f) => {
      const v = object.fields[f];
      return v !== undefined && String(v).toLowerCase().includes(needle);
    });
    if (!hit) return false;
  }
  if (has('tenantFilter') && query.tenant !== undefined && object.fields['tenant'] !== query.tenant) return false;
  if (has('callLegProfileFilter') && query.callLegProfile !== undefined && object.fields['callLegProfile'] !== query.callLegProfile) return false;
  if (has('usageFilter') && query.usage !== undefined && referenced.has(object.id) !== (query.usage === 'referenced')) return false;
  return true;
}

/** `usageFilter` must be `referenced` or `unreferenced`. */
export function readUsageFilter(raw: string | undefined): 'referenced' | 'unreferenced' | undefined {
  if (raw === undefined || raw === '') return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'referenced' || lower === 'unreferenced') return lower;
  throw new BridgeError(400, ['parameterError'], { name: 'usageFilter', error: 'invalidValue' });
}
