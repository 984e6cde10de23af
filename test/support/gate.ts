/**
 * A TCP pass-through in front of a real server that can hold traffic: while closed, bytes from clients
 * are kept (not forwarded) until it opens again. Tests use it to keep a request in flight for as long
 * as they need, deterministically, without touching the server behind it.
 */
import type { ProxiedConnection } from './tcpProxy.ts';
import { startTcpProxy } from './tcpProxy.ts';

export interface TcpGate {
  readonly url: string;
  /** Client chunks held back right now. */
  readonly held: number;
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(target: string): Promise<TcpGate> {
  let closed = false;
  const queue: Array<{ connection: ProxiedConnection; chunk: Buffer }> = [];
  const proxy = await startTcpProxy(target, (connection) => ({
    fromClient(chunk) {
      if (closed) queue.push({ connection, chunk });
      else connection.toServer(chunk);
    },
  }));
  return {
    url: proxy.url,
    get held() {
      return queue.length;
    },
    close() {
      closed = true;
    },
    open() {
      closed = false;
      for (const { connection, chunk } of queue.splice(0)) connection.toServer(chunk);
    },
    stop: () => proxy.stop(),
  };
}
