/**
 * A TCP pass-through in front of a real server, for tests that need to act on the bytes between a
 * client and the server (hold them, or stop a process at an exact request) without touching either.
 * Each connection gets its own pair of handlers; by default bytes flow unchanged.
 */
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedConnection {
  toServer(chunk: Buffer): void;
  toClient(chunk: Buffer): void;
  /** Drops both sides of this connection. */
  end(): void;
}

export interface ConnectionHandlers {
  fromClient(chunk: Buffer): void;
  fromServer(chunk: Buffer): void;
}

export interface TcpProxy {
  /** The proxy's URL, with the target's scheme. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: string, handle: (connection: ProxiedConnection) => Partial<ConnectionHandlers>): Promise<TcpProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: to.hostname, port: Number(to.port) });
    sockets.add(client);
    sockets.add(upstream);
    const connection: ProxiedConnection = {
      toServer: (chunk) => upstream.write(chunk),
      toClient: (chunk) => client.write(chunk),
      end: () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      },
    };
    const handlers = handle(connection);
    client.on('data', (chunk: Buffer) => {
      if (handlers.fromClient) handlers.fromClient(chunk);
      else connection.toServer(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (handlers.fromServer) handlers.fromServer(chunk);
      else connection.toClient(chunk);
    });
    const end = (): void => connection.end();
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${to.protocol}//127.0.0.1:${port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
