/**
 * A TCP pass-through in front of a real server that can hold traffic: while closed, bytes from clients
 * are kept (not forwarded) until it opens again. Tests use it to keep a request in flight for as long
 * as they need, deterministically, without touching the server behind it.
 */
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpGate {
  readonly url: string;
  /** Client chunks held back right now. */
  readonly held: number;
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(target: string): Promise<TcpGate> {
  const to = new URL(target);
  let closed = false;
  const queue: Array<{ upstream: Socket; chunk: Buffer }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: to.hostname, port: Number(to.port) });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (closed) queue.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${to.protocol}//127.0.0.1:${port}`,
    get held() {
      return queue.length;
    },
    close() {
      closed = true;
    },
    open() {
      closed = false;
      for (const { upstream, chunk } of queue.splice(0)) upstream.write(chunk);
    },
    async stop() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
