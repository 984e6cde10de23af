/**
 * Calls: the parameters `/calls` accepts and the live settings a call carries. Free of HTTP and SQL.
 */
import { bool, int, oneOf, ref, str, type ParamDef, type ParamValues } from '../params.ts';
import type { Mutable } from '../../shared/types.ts';

export interface CallSettings {
  readonly locked: boolean;
  readonly recording: boolean;
  readonly streaming: boolean;
  readonly allowAllMuteSelf: boolean;
  readonly allowAllPresentationContribution: boolean;
  readonly joinAudioMuteOverride: boolean | null;
  readonly messageText: string | null;
  readonly messagePosition: string;
  readonly messageDuration: string;
  readonly activeWhenEmpty: boolean;
  readonly panePlacementHighestImportance: number | null;
  readonly panePlacementSelfPaneMode: string | null;
}

export const DEFAULT_CALL_SETTINGS: CallSettings = {
  locked: false,
  recording: false,
  streaming: false,
  allowAllMuteSelf: false,
  allowAllPresentationContribution: false,
  joinAudioMuteOverride: null,
  messageText: null,
  messagePosition: 'middle',
  messageDuration: '0',
  activeWhenEmpty: true,
  panePlacementHighestImportance: null,
  panePlacementSelfPaneMode: null,
};

export const callParams: readonly ParamDef[] = [
  { name: 'coSpace', field: ref('coSpaces'), onModify: false },
  { name: 'name', field: str(256), onModify: false },
  /** Postman's catalogue sends it; honoured for ad hoc calls only (a coSpace call keeps the space's). */
  { name: 'callCorrelator', field: { type: 'id', collection: 'callCorrelators' }, onModify: false },
  { name: 'locked', field: bool },
  { name: 'recording', field: bool },
  { name: 'streaming', field: bool },
  { name: 'allowAllMuteSelf', field: bool },
  { name: 'allowAllPresentationContribution', field: bool },
  { name: 'joinAudioMuteOverride', field: bool },
  { name: 'messageText', field: str(2048) },
  { name: 'messagePosition', field: oneOf('top', 'middle', 'bottom') },
  { name: 'messageDuration', field: str(16, /^(\d{1,9}|permanent)$/i) },
  { name: 'activeWhenEmpty', field: bool },
  { name: 'panePlacementHighestImportance', field: int(0, 2147483647) },
  { name: 'panePlacementSelfPaneMode', field: oneOf('skip', 'self', 'blank') },
];


/** Applies validated call parameters; an empty value resets a setting to its default. */
export function applyCallParams(current: CallSettings, values: ParamValues): CallSettings {
  const next: Mutable<CallSettings> = { ...current };
  const flag = (name: 'locked' | 'recording' | 'streaming' | 'allowAllMuteSelf' | 'allowAllPresentationContribution' | 'activeWhenEmpty'): void => {
    const v = values.get(name);
    if (v !== undefined) next[name] = v === null ? DEFAULT_CALL_SETTINGS[name] : v === true;
  };
  flag('locked');
  flag('recording');
  flag('streaming');
  flag('allowAllMuteSelf');
  flag('allowAllPresentationContribution');
  flag('activeWhenEmpty');
  const mute = values.get('joinAudioMuteOverride');
  if (mute !== undefined) next.joinAudioMuteOverride = mute === null ? null : mute === true;
  const textOf = (name: string): string | null | undefined => {
    const v = values.get(name);
    return v === undefined || v === null ? v : String(v);
  };
  const messageText = textOf('messageText');
  if (messageText !== undefined) next.messageText = messageText;
  const position = textOf('messagePosition');
  if (position !== undefined) next.messagePosition = position ?? DEFAULT_CALL_SETTINGS.messagePosition;
  const duration = textOf('messageDuration');
  if (duration !== undefined) next.messageDuration = duration?.toLowerCase() ?? DEFAULT_CALL_SETTINGS.messageDuration;
  const importance = values.get('panePlacementHighestImportance');
  if (importance !== undefined) next.panePlacementHighestImportance = importance === null ? null : Number(importance);
  const selfPane = textOf('panePlacementSelfPaneMode');
  if (selfPane !== undefined) next.panePlacementSelfPaneMode = selfPane;
  return next;
}
