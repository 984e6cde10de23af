/** One stored record as the model sees it: what it is, when, in which order, and its body element. */
import type { XmlElement } from './element.ts';

export const CALL_RECORD_TYPES = ['callStart', 'callEnd'] as const;
export const CALL_LEG_RECORD_TYPES = ['callLegStart', 'callLegUpdate', 'callLegEnd'] as const;
export const RECORDING_RECORD_TYPES = ['recordingStart', 'recordingEnd'] as const;
export const STREAMING_RECORD_TYPES = ['streamingStart', 'streamingEnd'] as const;

export type ObjectKind = 'call' | 'callLeg' | 'recording' | 'streaming';

export interface ModelRecord {
  readonly type: string;
  readonly session: string;
  readonly callBridge: string | null;
  /** Record time; the receive time when the record carried none. */
  readonly timeMs: number;
  /** Order within the session: correlatorIndex, else recordIndex. */
  readonly order: number;
  readonly body: XmlElement | undefined;
}

/** Which normalised object a record type feeds; undefined for types this version does not model. */
export function objectKindOf(type: string): ObjectKind | undefined {
  if ((CALL_RECORD_TYPES as readonly string[]).includes(type)) return 'call';
  if ((CALL_LEG_RECORD_TYPES as readonly string[]).includes(type)) return 'callLeg';
  if ((RECORDING_RECORD_TYPES as readonly string[]).includes(type)) return 'recording';
  if ((STREAMING_RECORD_TYPES as readonly string[]).includes(type)) return 'streaming';
  return undefined;
}

/** The id of the object a record is about (`<call id>`, `<callLeg id>`, ...). */
export function objectIdOf(body: XmlElement | undefined): string | null {
  const id = body?.attributes['id']?.trim();
  return id === undefined || id === '' ? null : id;
}
