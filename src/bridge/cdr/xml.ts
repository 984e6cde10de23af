/**
 * CDR records on the wire (../shared/spec/cdr.md §2–4): each record body is rendered once, when it is
 * emitted, into its inner element (`<call id>…</call>`, `<callLeg id>…</callLeg>`, …); a post wraps
 * stored bodies in `<record>` and `<records>` with the per-receiver attributes. Written by hand because
 * element order and number formats are part of the contract and this is the hot path.
 *
 * Element order follows the guide's example posts where they show an element and its field tables
 * elsewhere (docs/cdr-delivery.md lists the order chosen for every record type).
 *
 * Every string goes through the one `escapeXml` (src/shared/xmlText.ts), the API XML's too: a
 * character XML 1.0 cannot carry (a NUL in a caller's display name) becomes U+FFFD, so no post is
 * one a receiver's parser must reject.
 */
import { escapeXml } from '../../shared/xmlText.ts';
import type {
  AudioStream,
  CallEndBody,
  CallLegEndBody,
  CallLegStartBody,
  CallLegUpdateBody,
  CallStartBody,
  CdrRecordBody,
  PacketStatistics,
  RecordingStartBody,
  StreamingStartBody,
  VideoStream,
} from './recordBodies.ts';

/** RFC 3339 UTC to the second, as CMS writes record times: `2015-07-23T07:32:55Z`. */
export function cdrTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

type Value = string | number | boolean | undefined;

function el(name: string, value: Value): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? escapeXml(value) : String(value);
  return text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`;
}

/** Fixed decimals as the guide prints them (`100.0`, `9.701`, `0.00`); non-finite values are omitted. */
function fixed(name: string, value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '' : `<${name}>${value.toFixed(digits)}</${name}>`;
}

function int(name: string, value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : `<${name}>${Math.round(value)}</${name}>`;
}

function wrap(name: string, inner: string): string {
  return inner === '' ? '' : `<${name}>${inner}</${name}>`;
}

function packetStatistics(stats: PacketStatistics | undefined): string {
  if (!stats) return '';
  const part = (name: string, p: { duration: number; density: number } | undefined): string =>
    p ? `<${name}>${fixed('duration', p.duration, 3)}${fixed('density', p.density, 2)}</${name}>` : '';
  return `<packetStatistics>${part('packetLossBursts', stats.packetLossBursts)}${part('packetGap', stats.packetGap)}</packetStatistics>`;
}

function audio(name: string, stream: AudioStream | undefined): string {
  if (!stream) return '';
  return `<${name}>${el('codec', stream.codec)}${packetStatistics(stream.packetStatistics)}</${name}>`;
}

function video(name: string, stream: VideoStream | undefined): string {
  if (!stream) return '';
  return `<${name}>${el('codec', stream.codec)}${int('maxSizeWidth', stream.maxSizeWidth)}${int('maxSizeHeight', stream.maxSizeHeight)}${packetStatistics(stream.packetStatistics)}</${name}>`;
}

function open(name: string, id: string): string {
  return `<${name} id="${escapeXml(id)}">`;
}

function callStart(c: CallStartBody): string {
  return (
    open('call', c.id) +
    el('name', c.name) +
    el('ownerName', c.ownerName) +
    el('callType', c.callType) +
    el('coSpace', c.coSpace) +
    el('callCorrelator', c.callCorrelator) +
    el('tenant', c.tenant) +
    el('cdrTag', c.cdrTag) +
    el('coSpaceMetaDataConfigured', c.coSpaceMetaDataConfigured) +
    '</call>'
  );
}

function callEnd(c: CallEndBody): string {
  return (
    open('call', c.id) +
    int('callLegsCompleted', c.callLegsCompleted) +
    int('callLegsMaxActive', c.callLegsMaxActive) +
    int('durationSeconds', c.durationSeconds) +
    el('endpointRecorded', c.endpointRecorded) +
    '</call>'
  );
}

function callLegStart(l: CallLegStartBody): string {
  return (
    open('callLeg', l.id) +
    el('remoteParty', l.remoteParty) +
    el('displayName', l.displayName) +
    el('localAddress', l.localAddress) +
    el('remoteAddress', l.remoteAddress) +
    el('cdrTag', l.cdrTag) +
    el('guestConnection', l.guestConnection) +
    el('recording', l.recording) +
    el('streaming', l.streaming) +
    el('type', l.type) +
    el('subType', l.subType) +
    el('lyncSubType', l.lyncSubType) +
    el('direction', l.direction) +
    el('call', l.call) +
    el('ownerId', l.ownerId) +
    el('groupId', l.groupId) +
    el('sipCallId', l.sipCallId) +
    el('replacesSipCallId', l.replacesSipCallId) +
    el('canMove', l.canMove) +
    el('movedCallLeg', l.movedCallLeg) +
    el('movedCallLegCallBridge', l.movedCallLegCallBridge) +
    el('confirmationStatus', l.confirmationStatus) +
    '</callLeg>'
  );
}

function callLegUpdate(l: CallLegUpdateBody): string {
  return (
    open('callLeg', l.id) +
    el('cdrTag', l.cdrTag) +
    el('state', l.state) +
    (l.inIvr === true ? '<ivr/>' : el('call', l.call)) +
    el('deactivated', l.deactivated) +
    el('remoteAddress', l.remoteAddress) +
    el('ownerId', l.ownerId) +
    el('groupId', l.groupId) +
    el('sipCallId', l.sipCallId) +
    el('displayName', l.displayName) +
    el('canMove', l.canMove) +
    el('confirmationStatus', l.confirmationStatus) +
    '</callLeg>'
  );
}

function callLegEnd(l: CallLegEndBody): string {
  const usage = l.mediaUsagePercentages;
  return (
    open('callLeg', l.id) +
    el('cdrTag', l.cdrTag) +
    el('reason', l.reason) +
    el('remoteTeardown', l.remoteTeardown) +
    el('reasonDetails', l.reasonDetails) +
    int('durationSeconds', l.durationSeconds) +
    int('activatedDuration', l.activatedDuration) +
    (usage
      ? wrap(
          'mediaUsagePercentages',
          fixed('mainVideoViewer', usage.mainVideoViewer, 1) +
            fixed('mainVideoContributor', usage.mainVideoContributor, 1) +
            fixed('presentationViewer', usage.presentationViewer, 1) +
            fixed('presentationContributor', usage.presentationContributor, 1) +
            fixed('multistreamVideo', usage.multistreamVideo, 1),
        )
      : '') +
    (l.multistreamVideo ? `<multistreamVideo>${int('maxScreens', l.multistreamVideo.maxScreens)}</multistreamVideo>` : '') +
    el('encryptedMedia', l.encryptedMedia) +
    el('unencryptedMedia', l.unencryptedMedia) +
    (l.alarms ?? []).map((a) => `<alarm>${el('type', a.type)}${fixed('durationPercentage', a.durationPercentage, 1)}</alarm>`).join('') +
    audio('rxAudio', l.rxAudio) +
    audio('txAudio', l.txAudio) +
    video('rxVideo', l.rxVideo) +
    video('txVideo', l.txVideo) +
    el('ownerId', l.ownerId) +
    el('sipCallId', l.sipCallId) +
    el('confirmationStatus', l.confirmationStatus) +
    '</callLeg>'
  );
}

function recordingStart(r: RecordingStartBody): string {
  return open('recording', r.id) + el('path', r.path) + el('recorderUri', r.recorderUri) + el('call', r.call) + el('callLeg', r.callLeg) + '</recording>';
}

function streamingStart(s: StreamingStartBody): string {
  return open('streaming', s.id) + el('streamerUri', s.streamerUri) + el('call', s.call) + el('callLeg', s.callLeg) + '</streaming>';
}

/** The record's inner element, e.g. `<callLeg id="…">…</callLeg>`. */
export function renderRecordBody(record: CdrRecordBody): string {
  switch (record.type) {
    case 'callStart':
      return callStart(record.call);
    case 'callEnd':
      return callEnd(record.call);
    case 'callLegStart':
      return callLegStart(record.callLeg);
    case 'callLegUpdate':
      return callLegUpdate(record.callLeg);
    case 'callLegEnd':
      return callLegEnd(record.callLeg);
    case 'recordingStart':
      return recordingStart(record.recording);
    case 'recordingEnd':
      return `${open('recording', record.recording.id)}</recording>`;
    case 'streamingStart':
      return streamingStart(record.streaming);
    case 'streamingEnd':
      return `${open('streaming', record.streaming.id)}</streaming>`;
  }
}

/** One record as a post carries it: stored body plus the indexes this receiver sees. */
export interface PostedRecord {
  readonly type: string;
  readonly timeMs: number;
  readonly correlatorIndex: number;
  readonly recordIndex: number;
  /** Records dropped just before this one (`numPreceedingRecordsMissing`); 0 = attribute absent. */
  readonly missing: number;
  readonly body: string;
}

/** A whole post: `<?xml version="1.0"?><records session=".." [callBridge=".."]>…</records>`. */
export function renderRecords(session: string, callBridge: string | undefined, records: readonly PostedRecord[]): string {
  const parts: string[] = [`<?xml version="1.0"?>\n<records session="${escapeXml(session)}"${callBridge === undefined ? '' : ` callBridge="${escapeXml(callBridge)}"`}>`];
  for (const r of records) {
    parts.push(
      `<record type="${r.type}" time="${cdrTime(r.timeMs)}" recordIndex="${r.recordIndex}" correlatorIndex="${r.correlatorIndex}"${r.missing > 0 ? ` numPreceedingRecordsMissing="${r.missing}"` : ''}>`,
      r.body,
      '</record>',
    );
  }
  parts.push('</records>');
  return parts.join('');
}

/** The Content-Type of a post (cms-api.md §5: Cisco's sample receiver needs a non-form type). */
export const CDR_CONTENT_TYPE = 'text/xml';
