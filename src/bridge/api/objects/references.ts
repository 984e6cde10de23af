/** Whether an id given as a parameter names an existing object of the collection it must belong to. */
import type { BridgeStores } from '../../storage/index.ts';

export async function referenceExists(stores: BridgeStores, collection: string, id: string): Promise<boolean> {
  switch (collection) {
    case 'coSpaces':
      return (await stores.coSpaces.get(id)) !== undefined;
    case 'callBridges':
      return (await stores.callBridges.get(id)) !== undefined;
    default:
      return stores.configObjects.exists(collection, id);
  }
}
