/**
 * Simulated endpoints: what the far end of a call leg does. A behaviour is chosen by matching the
 * remote party's URI against patterns (`*` = any characters, case-insensitive), first match wins;
 * with no match the endpoint answers after DEFAULT_ANSWER_MS and stays. Pure data + matching; the
 * engine turns a behaviour into timed transitions.
 */
import { z } from 'zod';

/** How the far end answers a dial-out. */
export const ENDPOINT_OUTCOMES = ['answer', 'busy', 'reject', 'noAnswer', 'dnsFailure', 'mediaFailure'] as const;
export type EndpointOutcome = (typeof ENDPOINT_OUTCOMES)[number];

export const AUDIO_CODECS = ['g711u', 'g711a', 'g722', 'g728', 'g729', 'g722_1', 'g722_1c', 'aac', 'speexNb', 'speexWb', 'speexUwb', 'isacWb', 'isacSwb', 'opus'] as const;
export const VIDEO_CODECS = ['h261', 'h263', 'h263+', 'h264', 'h264Lync', 'vp8', 'rtVideo'] as const;
export const ALARM_TYPES = ['packetLoss', 'excessiveJitter', 'highRoundTripTime'] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

const duration = z.object({ duration: z.number().min(0), density: z.number().min(0) }).strict();
const packetStatistics = z.object({ packetLossBursts: duration.optional(), packetGap: duration.optional() }).strict();
const audio = z.object({ codec: z.enum(AUDIO_CODECS), packetStatistics: packetStatistics.optional() }).strict();
const video = z
  .object({
    codec: z.enum(VIDEO_CODECS),
    maxSizeWidth: z.number().int().min(0).max(10000).optional(),
    maxSizeHeight: z.number().int().min(0).max(10000).optional(),
    packetStatistics: packetStatistics.optional(),
  })
  .strict();

/** Media of a leg as the far end negotiates it; `null` for a stream = none that way. */
export const mediaReportSchema = z
  .object({
    rxAudio: audio.nullable().optional(),
    txAudio: audio.nullable().optional(),
    rxVideo: video.nullable().optional(),
    txVideo: video.nullable().optional(),
    encryptedMedia: z.boolean().optional(),
    /** Alarm conditions active from now on (replaces the previous set). */
    alarms: z.array(z.enum(ALARM_TYPES)).optional(),
  })
  .strict();
export type MediaReport = z.infer<typeof mediaReportSchema>;

const MAX_DELAY_MS = 7 * 24 * 3600 * 1000;
const delay = z.number().int().min(0).max(MAX_DELAY_MS);

export const endpointBehaviourSchema = z
  .object({
    /** Glob over the remote party (`*` any characters), case-insensitive. */
    pattern: z.string().min(1).max(512),
    outcome: z.enum(ENDPOINT_OUTCOMES).default('answer'),
    /** When the far end answers (or rejects), from the dial-out. Default 1000 ms. */
    answerAfterMs: delay.optional(),
    /** After connecting, the far end hangs up (remoteTeardown). Default: stays. */
    hangUpAfterMs: delay.optional(),
    /** mediaFailure: after connecting, the media fails (reason error). Default 5000 ms. */
    failAfterMs: delay.optional(),
    /** Answer to a DTMF confirmation prompt. Default confirm. */
    confirmation: z.enum(['confirm', 'reject', 'ignore']).optional(),
    /** When the DTMF key is pressed, from answering. Default 2000 ms. */
    confirmAfterMs: delay.optional(),
    displayName: z.string().max(256).optional(),
    media: mediaReportSchema.optional(),
  })
  .strict();
export type EndpointBehaviour = z.infer<typeof endpointBehaviourSchema>;

export const DEFAULT_ANSWER_MS = 1000;
export const DEFAULT_CONFIRM_MS = 2000;
export const DEFAULT_MEDIA_FAILURE_MS = 5000;

export const DEFAULT_BEHAVIOUR: EndpointBehaviour = { pattern: '*', outcome: 'answer' };

/** What a connected SIP endpoint negotiates unless told otherwise. */
export const DEFAULT_MEDIA: MediaReport = {
  rxAudio: { codec: 'opus' },
  txAudio: { codec: 'opus' },
  rxVideo: { codec: 'h264', maxSizeWidth: 1280, maxSizeHeight: 720 },
  txVideo: { codec: 'h264', maxSizeWidth: 1280, maxSizeHeight: 720 },
  encryptedMedia: false,
};

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** The behaviours the simulator was given, in order. */
export class EndpointDirectory {
  #rules: Array<{ behaviour: EndpointBehaviour; re: RegExp }> = [];

  list(): EndpointBehaviour[] {
    return this.#rules.map((r) => r.behaviour);
  }

  add(behaviour: EndpointBehaviour): void {
    this.#rules.push({ behaviour, re: globToRegExp(behaviour.pattern) });
  }

  replace(behaviours: readonly EndpointBehaviour[]): void {
    this.#rules = [];
    for (const b of behaviours) this.add(b);
  }

  behaviourFor(uri: string): EndpointBehaviour {
    return this.#rules.find((r) => r.re.test(uri))?.behaviour ?? DEFAULT_BEHAVIOUR;
  }
}
