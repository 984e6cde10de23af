/**
 * What every part of a running call bridge shares: its storage, clock, identity in the cluster, and the
 * live counters `/system/status` reports, the call engine and the CDR pipeline.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '../shared/logger.ts';
import type { Clock } from '../shared/clock.ts';
import type { JobQueue } from './jobs/jobQueue.ts';
import type { BridgeStorage } from './storage/index.ts';
import type { CdrSink } from './cdr/recordBodies.ts';
import type { CdrPipeline } from './cdr/cdrPipeline.ts';
import type { CallEngine } from './engine/callEngine.ts';
import type { CallService } from './calls/callService.ts';

export interface CallBridgeIdentity {
  readonly id: string;
  readonly name: string;
  /** The address other nodes and clients reach this call bridge at (shown in /callBridges); set once listening. */
  address: string;
}

export interface LiveStatus {
  readonly callLegsActive: number;
  readonly callLegsMaxActive: number;
  readonly callLegsCompleted: number;
  readonly cdrCorrelatorIndex: number;
  readonly audioBitRateOutgoing: number;
  readonly audioBitRateIncoming: number;
  readonly videoBitRateOutgoing: number;
  readonly videoBitRateIncoming: number;
}

export const IDLE_STATUS: LiveStatus = {
  callLegsActive: 0,
  callLegsMaxActive: 0,
  callLegsCompleted: 0,
  cdrCorrelatorIndex: 0,
  audioBitRateOutgoing: 0,
  audioBitRateIncoming: 0,
  videoBitRateOutgoing: 0,
  videoBitRateIncoming: 0,
};

export interface BridgeContext {
  readonly storage: BridgeStorage;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly node: CallBridgeIdentity;
  readonly softwareVersion: string;
  readonly startedAtMs: number;
  /** Configuration changes other parts react to (the call engine ends calls of a deleted coSpace). */
  readonly events: EventEmitter<BridgeEvents>;
  /** Where the call engine emits CDRs: the CDR pipeline (teed to an observer in tests). */
  readonly cdr: CorrelatedCdrSink;
  /** The CDR pipeline itself: receivers, alarms, the next correlatorIndex. */
  readonly cdrPipeline: CdrPipeline;
  /** Background work started by API requests (bulk syncs); runs one job at a time, off the request. */
  readonly jobs: JobQueue;
  /** Live counters; replaced by the call engine when it starts. */
  liveStatus: () => LiveStatus;
  /** The live calls, call legs and participants of this call bridge (read their state here). */
  readonly engine: CallEngine;
  /** Every change to calls, legs and participants goes through here: it resolves what a request names, then calls the engine. */
  readonly calls: CallService;
}

/**
 * A CDR sink that also knows the next correlator index it will assign (`/system/status`
 * `cdrCorrelatorIndex`). `MemoryCdrSink` is one; the CDR outbox provides its own.
 */
export interface CorrelatedCdrSink extends CdrSink {
  readonly nextCorrelatorIndex: number;
}

export const SOFTWARE_VERSION = '3.8.0';

export interface BridgeEvents {
  coSpaceModified: [coSpaceId: string];
  coSpaceDeleted: [coSpaceId: string];
}
