/** Builds CDR posts (cdr.md §2–4) for tests and benchmarks: the receiver side's view of the wire. */

export interface RecordSpec {
  readonly type: string;
  readonly time: string;
  readonly correlatorIndex?: number | undefined;
  readonly recordIndex?: number | undefined;
  readonly numPreceedingRecordsMissing?: number | undefined;
  /** The body element, e.g. `<callLeg id="x">...</callLeg>`. */
  readonly body: string;
}

export function recordXml(r: RecordSpec): string {
  const attrs = [
    `type="${r.type}"`,
    `time="${r.time}"`,
    r.recordIndex === undefined ? '' : `recordIndex="${r.recordIndex}"`,
    r.correlatorIndex === undefined ? '' : `correlatorIndex="${r.correlatorIndex}"`,
    r.numPreceedingRecordsMissing === undefined ? '' : `numPreceedingRecordsMissing="${r.numPreceedingRecordsMissing}"`,
  ].filter((a) => a !== '');
  return `<record ${attrs.join(' ')}>${r.body}</record>`;
}

export function recordsXml(session: string, records: readonly RecordSpec[], callBridge?: string): string {
  const bridge = callBridge === undefined ? '' : ` callBridge="${callBridge}"`;
  return `<?xml version="1.0"?>\n<records session="${session}"${bridge}>${records.map(recordXml).join('')}</records>`;
}

export const body = {
  callStart: (id: string, o: { name?: string; coSpace?: string; callCorrelator?: string; tenant?: string; cdrTag?: string; callType?: string } = {}) =>
    `<call id="${id}"><name>${o.name ?? 'space'}</name><callType>${o.callType ?? 'coSpace'}</callType>` +
    (o.coSpace ? `<coSpace>${o.coSpace}</coSpace>` : '') +
    `<callCorrelator>${o.callCorrelator ?? id}</callCorrelator>` +
    (o.tenant ? `<tenant>${o.tenant}</tenant>` : '') +
    (o.cdrTag ? `<cdrTag>${o.cdrTag}</cdrTag>` : '') +
    `</call>`,
  callEnd: (id: string, durationSeconds: number, legs = 1) =>
    `<call id="${id}"><callLegsCompleted>${legs}</callLegsCompleted><callLegsMaxActive>${legs}</callLegsMaxActive><durationSeconds>${durationSeconds}</durationSeconds></call>`,
  legStart: (id: string, o: { remoteParty?: string; call?: string; displayName?: string; direction?: string } = {}) =>
    `<callLeg id="${id}"><remoteParty>${o.remoteParty ?? 'party@example.com'}</remoteParty>` +
    (o.displayName ? `<displayName>${o.displayName}</displayName>` : '') +
    `<localAddress>meet@example.com</localAddress><type>sip</type><direction>${o.direction ?? 'incoming'}</direction>` +
    (o.call ? `<call>${o.call}</call>` : '') +
    `</callLeg>`,
  legUpdate: (id: string, o: { call?: string; state?: string; ivr?: boolean; displayName?: string } = {}) =>
    `<callLeg id="${id}">` +
    (o.state ? `<state>${o.state}</state>` : '') +
    (o.call ? `<call>${o.call}</call>` : '') +
    (o.ivr ? '<ivr/>' : '') +
    (o.displayName ? `<displayName>${o.displayName}</displayName>` : '') +
    `</callLeg>`,
  legEnd: (id: string, o: { reason?: string; remoteTeardown?: boolean; durationSeconds?: number; alarms?: { type: string; pct: number }[]; lossDensity?: number } = {}) =>
    `<callLeg id="${id}"><reason>${o.reason ?? 'remoteTeardown'}</reason><remoteTeardown>${o.remoteTeardown ?? true}</remoteTeardown>` +
    `<durationSeconds>${o.durationSeconds ?? 60}</durationSeconds>` +
    (o.alarms ?? []).map((a) => `<alarm type="${a.type}" durationPercentage="${a.pct}"/>`).join('') +
    `<rxAudio><codec>opus</codec><packetStatistics><packetLossBursts><duration>1.5</duration><density>${o.lossDensity ?? 0}</density></packetLossBursts></packetStatistics></rxAudio>` +
    `<txAudio><codec>opus</codec></txAudio></callLeg>`,
} as const;

/** ISO time `seconds` after a base instant. */
export function at(baseMs: number, seconds: number): string {
  return new Date(baseMs + seconds * 1000).toISOString().replace('.000Z', 'Z');
}
