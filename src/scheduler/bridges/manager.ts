/**
 * Managed bridges the way TMS manages a Cisco Meeting Server: add (status, cluster discovery, call and
 * call-leg profiles), set name / domain / conference-ID range, provision one space per number with a
 * bulk parameter set + sync, verify the spaces exist, and keep an alternate address for failover.
 * Every CMS request made here goes to the bridge's audit log.
 */
import type { Clock } from '../../shared/clock.ts';
import { newGuid } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import { normalizeAddress, type CmsClient } from '../../clients/cms/client.ts';
import type { CmsClients } from './cmsClients.ts';
import { cmsAuditEntry } from '../storage/auditStore.ts';
import {
  CALL_LEG_PROFILE_FIELDS,
  CALL_PROFILE_FIELDS,
  MAX_RANGE_SIZE,
  SPACE_NAME_PREFIX,
  bridgeWarnings,
  bulkParameterFields,
  rangeSize,
  sameAddress,
  spaceNumberOf,
  type ConferenceIdRange,
  type ManagedBridge,
  type Space,
} from '../domain/bridge.ts';
import { CmsError } from '../../clients/cms/errors.ts';
import { fromCmsError, schedulerErrors } from '../errors.ts';
import type { SecretBox } from '../secrets.ts';
import type { SchedulerStorage } from '../storage/index.ts';

export interface AddBridgeInput {
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly allowSelfSigned?: boolean | undefined;
}

export interface AlternateInput {
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly allowSelfSigned?: boolean | undefined;
}

export interface ConfigureBridgeInput {
  readonly name?: string | undefined;
  readonly domain?: string | undefined;
  readonly conferenceIdRange?: ConferenceIdRange | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly allowSelfSigned?: boolean | undefined;
  /** null removes the alternate. */
  readonly alternate?: AlternateInput | null | undefined;
}

export interface BridgeView {
  readonly id: string;
  readonly type: 'Cisco Meeting Server';
  readonly name: string | null;
  readonly address: string;
  readonly username: string;
  readonly allowSelfSigned: boolean;
  readonly softwareVersion: string | null;
  readonly domain: string | null;
  readonly conferenceIdRange: ConferenceIdRange | null;
  readonly callProfile: string | null;
  readonly callLegProfile: string | null;
  readonly cluster: ManagedBridge['cluster'];
  readonly alternate: { address: string; username: string; allowSelfSigned: boolean } | null;
  readonly provisioning: { state: string; error: string | null; bulkParameterSet: string | null; bulkSync: string | null };
  readonly spaces: { total: number; inUse: number; missing: readonly number[]; list: ReadonlyArray<{ number: number; coSpace: string | null; inUse: boolean }> };
  readonly warnings: string[];
}

const SYNC_POLL_MS = 500;
const SYNC_MAX_POLLS = 240;

export class BridgeManager {
  constructor(
    private readonly storage: SchedulerStorage,
    private readonly clients: CmsClients,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  #audited(client: CmsClient, bridgeId: string): CmsClient {
    return client.withObserver((e) =>
      this.storage.audit.append(cmsAuditEntry(e, { bookingId: null, occurrence: null, bridgeId })),
    );
  }

  async list(): Promise<BridgeView[]> {
    const bridges = await this.storage.bridges.list();
    return Promise.all(bridges.map(async (b) => this.view(b, await this.storage.bridges.spaces(b.id))));
  }

  async get(id: string): Promise<ManagedBridge> {
    const bridge = await this.storage.bridges.get(id);
    if (!bridge) throw schedulerErrors.notFound('bridge', id);
    return bridge;
  }

  async getView(id: string): Promise<BridgeView> {
    const bridge = await this.get(id);
    return this.view(bridge, await this.storage.bridges.spaces(id));
  }

  view(b: ManagedBridge, spaces: readonly Space[]): BridgeView {
    return {
      id: b.id,
      type: 'Cisco Meeting Server',
      name: b.name,
      address: b.address,
      username: b.username,
      allowSelfSigned: b.allowSelfSigned,
      softwareVersion: b.softwareVersion,
      domain: b.domain,
      conferenceIdRange: b.range,
      callProfile: b.callProfile,
      callLegProfile: b.callLegProfile,
      cluster: b.cluster,
      alternate: b.alternate ? { address: b.alternate.address, username: b.alternate.username, allowSelfSigned: b.alternate.allowSelfSigned } : null,
      provisioning: { state: b.provisionState, error: b.provisionError, bulkParameterSet: b.bulkParameterSet, bulkSync: b.bulkSync },
      spaces: {
        total: spaces.length,
        inUse: spaces.filter((s) => s.holder !== null).length,
        missing: b.missingSpaces,
        list: spaces.map((s) => ({ number: s.number, coSpace: s.coSpaceId, inUse: s.holder !== null })),
      },
      warnings: bridgeWarnings(b),
    };
  }

  /** The add sequence: GET system/status, GET callBridges (+ each), POST callProfiles, POST callLegProfiles. */
  async add(input: AddBridgeInput): Promise<BridgeView> {
    let address: string;
    try {
      address = normalizeAddress(input.address);
    } catch (error) {
      throw schedulerErrors.badRequest(`address: ${error instanceof Error ? error.message : String(error)}`);
    }
    const existing = await this.storage.bridges.list();
    const managedAs = (addr: string | undefined): ManagedBridge | undefined =>
      existing.find((b) => sameAddress(b.address, addr) || b.cluster.some((m) => sameAddress(m.address, addr)) || sameAddress(b.alternate?.address, addr));
    const clash = managedAs(address);
    if (clash) {
      throw schedulerErrors.bridgeAlreadyManaged(`${address} is already managed as part of bridge ${clash.name ?? clash.address}`, clash.id);
    }
    const id = newGuid();
    const client = this.#audited(this.clients.adHoc(address, input.username, input.password, input.allowSelfSigned === true), id);
    try {
      const status = await client.systemStatus();
      const cluster = await client.callBridges();
      const sameCluster = existing.find((b) => b.cluster.some((m) => cluster.some((c) => c.id === m.id)));
      if (sameCluster) {
        throw schedulerErrors.bridgeAlreadyManaged(
          `${address} belongs to the cluster of bridge ${sameCluster.name ?? sameCluster.address}; manage the cluster through that bridge`,
          sameCluster.id,
        );
      }
      const callProfile = await client.createCallProfile(CALL_PROFILE_FIELDS);
      const callLegProfile = await client.createCallLegProfile(CALL_LEG_PROFILE_FIELDS);
      const bridge: ManagedBridge = {
        id,
        name: null,
        address,
        username: input.username,
        passwordEnc: this.secrets.seal(input.password),
        allowSelfSigned: input.allowSelfSigned === true,
        domain: null,
        range: null,
        callProfile,
        callLegProfile,
        bulkParameterSet: null,
        bulkSync: null,
        provisionState: 'none',
        provisionError: null,
        missingSpaces: [],
        softwareVersion: status.softwareVersion ?? null,
        cluster,
        alternate: null,
        createdMs: this.clock.now(),
      };
      await this.storage.bridges.insert(bridge);
      this.logger.info({ bridge: id, address, callBridges: cluster.length }, 'bridge added');
      return this.view(bridge, []);
    } catch (error) {
      if (error instanceof CmsError) throw fromCmsError(error);
      throw error;
    } finally {
      await client.close();
    }
  }

  /** Name, domain, range, credentials, alternate; provisions (again) when the range is new or changed. */
  async configure(id: string, input: ConfigureBridgeInput): Promise<BridgeView> {
    const bridge = await this.get(id);
    let next: ManagedBridge = { ...bridge };
    if (input.name !== undefined) next = { ...next, name: input.name };
    if (input.domain !== undefined) next = { ...next, domain: input.domain };
    if (input.username !== undefined) next = { ...next, username: input.username };
    if (input.password !== undefined) next = { ...next, passwordEnc: this.secrets.seal(input.password) };
    if (input.allowSelfSigned !== undefined) next = { ...next, allowSelfSigned: input.allowSelfSigned };
    const rangeChanged =
      input.conferenceIdRange !== undefined &&
      (bridge.range?.start !== input.conferenceIdRange.start || bridge.range.end !== input.conferenceIdRange.end);
    if (input.conferenceIdRange !== undefined) {
      const r = input.conferenceIdRange;
      if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 1 || r.end < r.start) {
        throw schedulerErrors.badRequest('conferenceIdRange: start and end are positive integers with start <= end');
      }
      if (rangeSize(r) > MAX_RANGE_SIZE) throw schedulerErrors.badRequest(`conferenceIdRange: at most ${MAX_RANGE_SIZE} numbers`);
      if (rangeChanged && (await this.storage.bridges.spacesInUse(id)) > 0) {
        throw schedulerErrors.invalidState('the conference-ID range cannot change while meetings use its spaces');
      }
      next = { ...next, range: r };
    }
    if (input.alternate !== undefined) {
      if (input.alternate === null) {
        next = { ...next, alternate: null };
      } else {
        const alt = input.alternate;
        const member = bridge.cluster.find((m) => sameAddress(m.address, alt.address));
        if (!member?.address) {
          throw schedulerErrors.badRequest(
            `alternate.address must be one of the discovered call bridges: ${bridge.cluster.map((m) => m.address ?? m.name).join(', ')}`,
          );
        }
        if (sameAddress(member.address, bridge.address)) throw schedulerErrors.badRequest('alternate.address is the bridge itself');
        next = {
          ...next,
          alternate: {
            address: normalizeAddress(/^https?:/i.test(alt.address) ? alt.address : member.address),
            username: alt.username,
            passwordEnc: this.secrets.seal(alt.password),
            allowSelfSigned: alt.allowSelfSigned === true,
          },
        };
      }
    }
    const needsProvisioning = next.domain !== null && next.range !== null && (rangeChanged || next.provisionState !== 'provisioned');
    if (needsProvisioning) next = { ...next, provisionState: 'provisioning', provisionError: null };
    await this.storage.bridges.update(next);
    if (needsProvisioning) next = await this.provision(next);
    return this.view(next, await this.storage.bridges.spaces(id));
  }

  /**
   * POST (or PUT, when re-provisioning) the bulk parameter set, POST a bulk sync, poll it until
   * `complete`, GET system/status, then verify every `TMS_Scheduled_Meeting_<n>` exists.
   */
  async provision(bridge: ManagedBridge): Promise<ManagedBridge> {
    const range = bridge.range;
    if (range === null) throw schedulerErrors.bridgeNotConfigured('set a conference-ID range first');
    const base = this.clients.for(bridge, 'primary');
    if (!base) throw schedulerErrors.bridgeNotConfigured('no address');
    const client = this.#audited(base, bridge.id);
    let next = bridge;
    try {
      const fields = bulkParameterFields(bridge, range);
      let parameterSet = bridge.bulkParameterSet;
      if (parameterSet === null) {
        parameterSet = await client.createBulkParameterSet(fields);
      } else {
        try {
          await client.updateBulkParameterSet(parameterSet, fields);
        } catch (error) {
          if (!(error instanceof CmsError && error.doesNotExist)) throw error;
          parameterSet = await client.createBulkParameterSet(fields);
        }
      }
      next = { ...next, bulkParameterSet: parameterSet };
      await this.storage.bridges.update(next);
      const sync = await client.createBulkSync(parameterSet);
      next = { ...next, bulkSync: sync };
      await this.storage.bridges.update(next);
      let status: string | undefined;
      for (let poll = 0; poll < SYNC_MAX_POLLS; poll++) {
        status = (await client.bulkSync(sync)).status;
        if (status !== 'pending' && status !== 'running') break;
        await this.clock.sleep(SYNC_POLL_MS);
      }
      await client.systemStatus();
      if (status !== 'complete') {
        next = { ...next, provisionState: 'failed', provisionError: `bulk sync ended with status ${status ?? 'unknown'}` };
        await this.storage.bridges.update(next);
        return next;
      }
      const found = new Map<number, string>();
      for (const space of await client.coSpaces(SPACE_NAME_PREFIX)) {
        const n = spaceNumberOf(space.name);
        if (n !== undefined && n >= range.start && n <= range.end && !found.has(n)) found.set(n, space.id);
      }
      const all: Array<{ number: number; coSpaceId: string | null }> = [];
      const missing: number[] = [];
      for (let n = range.start; n <= range.end; n++) {
        const coSpaceId = found.get(n) ?? null;
        if (coSpaceId === null) missing.push(n);
        all.push({ number: n, coSpaceId });
      }
      await this.storage.bridges.setSpaces(bridge.id, all);
      next = { ...next, provisionState: 'provisioned', provisionError: null, missingSpaces: missing };
      await this.storage.bridges.update(next);
      if (missing.length > 0) this.logger.warn({ bridge: bridge.id, missing }, 'spaces missing after provisioning');
      return next;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      next = { ...next, provisionState: 'failed', provisionError: message };
      await this.storage.bridges.update(next);
      this.logger.warn({ bridge: bridge.id, error: message }, 'provisioning failed');
      return next;
    }
  }

  async reprovision(id: string): Promise<BridgeView> {
    const bridge = await this.get(id);
    if (bridge.domain === null || bridge.range === null) throw schedulerErrors.bridgeNotConfigured('set a domain and a conference-ID range first');
    if ((await this.storage.bridges.spacesInUse(id)) > 0) throw schedulerErrors.invalidState('spaces are in use by meetings');
    const next = await this.provision({ ...bridge, provisionState: 'provisioning' });
    return this.view(next, await this.storage.bridges.spaces(id));
  }

  async audit(id: string): Promise<Awaited<ReturnType<SchedulerStorage['audit']['ofBridge']>>> {
    await this.get(id);
    return this.storage.audit.ofBridge(id);
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    if ((await this.storage.bridges.spacesInUse(id)) > 0) throw schedulerErrors.invalidState('meetings are running on this bridge');
    await this.storage.bridges.delete(id);
    await this.clients.forget(id);
  }
}
