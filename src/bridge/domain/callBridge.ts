/** Call bridges of a cluster: names are unique (`duplicateCallBridgeName`). */
import { ref, str, type ParamDef } from '../params.ts';

export const callBridgeParams: readonly ParamDef[] = [
  { name: 'name', field: str(256) },
  { name: 'address', field: str(1024) },
  { name: 'sipDomain', field: str(256) },
  { name: 'callBridgeGroup', field: ref('callBridgeGroups') },
];
