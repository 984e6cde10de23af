/** CDR record bodies for tests: the guide's example flow and a cheap generator. */
import type { CdrRecordBody } from '../../src/bridge/cdr/recordBodies.ts';

export const LEG_A = 'fc9c85ca-8c41-4a1a-9252-b16977d1e4e1';
export const LEG_B = '9cfdb064-3ae9-4b08-a003-6478187f375f';
export const CALL = '46d49cb4-8171-4abc-97f5-b88035b1da0a';

/** The guide's example flow (cdr.md §6), post by post. */
export const GUIDE_FLOW: ReadonlyArray<readonly CdrRecordBody[]> = [
  [
    {
      type: 'callLegStart',
      callLeg: {
        id: LEG_A,
        remoteParty: 'sipclient1@example.com',
        localAddress: 'access1@127.0.0.1',
        type: 'sip',
        direction: 'incoming',
        groupId: '18da80f3-8a71-4255-aa90-e1677b99b588',
        sipCallId: 'b8a81da5-c24c-43db-ba58-742f587faec8',
      },
    },
  ],
  [
    {
      type: 'callStart',
      call: {
        id: CALL,
        name: 'test564_1',
        callType: 'coSpace',
        coSpace: '50605235-60cf-484a-9fa1-278ad0646243',
        callCorrelator: '5f3300c5-ca67-40e0-a503-91baec70dbbe',
      },
    },
    {
      type: 'callLegUpdate',
      callLeg: { id: LEG_A, state: 'connected', call: CALL, groupId: '18da80f3-8a71-4255-aa90-e1677b99b588', sipCallId: 'b8a81da5-c24c-43db-ba58-742f587faec8' },
    },
  ],
  [{ type: 'callLegStart', callLeg: { id: LEG_B, remoteParty: 'sipclient2@example.com', localAddress: 'access2@127.0.0.1', type: 'sip', direction: 'incoming' } }],
  [{ type: 'callLegUpdate', callLeg: { id: LEG_B, state: 'connected', call: CALL } }],
  [
    {
      type: 'callLegEnd',
      callLeg: {
        id: LEG_B,
        reason: 'remoteTeardown',
        remoteTeardown: true,
        durationSeconds: 10,
        mediaUsagePercentages: { mainVideoViewer: 100, mainVideoContributor: 100 },
        unencryptedMedia: true,
        rxAudio: { codec: 'g722', packetStatistics: { packetLossBursts: { duration: 0, density: 0 }, packetGap: { duration: 9.701, density: 0 } } },
        txAudio: { codec: 'g722_1c' },
        rxVideo: { codec: 'h264', maxSizeWidth: 768, maxSizeHeight: 448, packetStatistics: { packetLossBursts: { duration: 0, density: 0 }, packetGap: { duration: 8.597, density: 0 } } },
        txVideo: { codec: 'h264', maxSizeWidth: 1280, maxSizeHeight: 720 },
        sipCallId: 'a939937c-8b5e-4376-92de-97635983d7ef',
      },
    },
  ],
  [
    { type: 'callLegEnd', callLeg: { id: LEG_A, reason: 'callDeactivated', remoteTeardown: false, durationSeconds: 10 } },
    { type: 'callEnd', call: { id: CALL, callLegsCompleted: 2, callLegsMaxActive: 2, durationSeconds: 10 } },
  ],
];

/** A small record of some type, distinct per `i` (generator for volume tests). */
export function sampleRecord(i: number): CdrRecordBody {
  const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  switch (i % 4) {
    case 0:
      return { type: 'callLegStart', callLeg: { id, remoteParty: `user${i}@example.com`, displayName: `User ${i}`, type: 'sip', direction: 'incoming', call: CALL } };
    case 1:
      return { type: 'callLegUpdate', callLeg: { id, state: 'connected', call: CALL } };
    case 2:
      return {
        type: 'callLegEnd',
        callLeg: { id, reason: 'remoteTeardown', remoteTeardown: true, durationSeconds: i % 3600, rxAudio: { codec: 'opus' }, txAudio: { codec: 'opus' } },
      };
    default:
      return { type: 'recordingEnd', recording: { id } };
  }
}
