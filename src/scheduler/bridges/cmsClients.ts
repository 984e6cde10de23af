/**
 * One CmsClient (one keep-alive pool) per managed bridge endpoint, reused by every meeting; callers take
 * a per-meeting view with `withObserver` for auditing.
 */
import type { Clock } from '../../shared/clock.ts';
import type { ManagedBridge } from '../domain/bridge.ts';
import type { Endpoint } from '../domain/meeting.ts';
import type { SecretBox } from '../secrets.ts';
import { CmsClient, type CmsClientOptions } from '../../clients/cms/client.ts';

export class CmsClients {
  readonly #clients = new Map<string, { fingerprint: string; client: CmsClient }>();

  constructor(
    private readonly secrets: SecretBox,
    private readonly options: CmsClientOptions,
  ) {}

  get clock(): Clock {
    return this.options.clock;
  }

  /** The client of a bridge's primary address or of its alternate; undefined when it has no alternate. */
  for(bridge: ManagedBridge, endpoint: Endpoint = 'primary'): CmsClient | undefined {
    const target =
      endpoint === 'primary'
        ? { address: bridge.address, username: bridge.username, passwordEnc: bridge.passwordEnc, allowSelfSigned: bridge.allowSelfSigned }
        : bridge.alternate;
    if (!target) return undefined;
    const key = `${bridge.id}/${endpoint}`;
    const fingerprint = `${target.address}|${target.username}|${target.passwordEnc}|${target.allowSelfSigned}`;
    const cached = this.#clients.get(key);
    if (cached?.fingerprint === fingerprint) return cached.client;
    if (cached) void cached.client.close();
    const client = new CmsClient(
      { baseUrl: target.address, username: target.username, password: this.secrets.open(target.passwordEnc), allowSelfSigned: target.allowSelfSigned },
      this.options,
    );
    this.#clients.set(key, { fingerprint, client });
    return client;
  }

  /** A one-off client (adding a bridge before it is stored). */
  adHoc(address: string, username: string, password: string, allowSelfSigned: boolean): CmsClient {
    return new CmsClient({ baseUrl: address, username, password, allowSelfSigned }, this.options);
  }

  async forget(bridgeId: string): Promise<void> {
    for (const endpoint of ['primary', 'alternate']) {
      const key = `${bridgeId}/${endpoint}`;
      const cached = this.#clients.get(key);
      this.#clients.delete(key);
      if (cached) await cached.client.close();
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map((c) => c.client.close()));
  }
}
