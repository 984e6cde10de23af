/**
 * A TCP pass-through in front of a real server that calls `onRequest` when a client sends a request
 * whose request line matches a pattern, at one of two moments: `before` the request reaches the
 * server (it never does), or `after` the server answered it (the answer never reaches the client).
 * Tests use it to kill a process at an exact step of a protocol exchange, with real processes and
 * real HTTP. Assumes, as HTTP/1.1 clients write them, that a request line starts a TCP chunk.
 */
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export type KillMoment = 'before' | 'after';

export interface KillSwitch {
  readonly url: string;
  /** Arms the switch for the next matching request (one shot). */
  arm(pattern: RegExp, moment: KillMoment, onRequest: () => void): void;
  stop(): Promise<void>;
}

export async function startKillSwitch(target: string): Promise<KillSwitch> {
  const to = new URL(target);
  let armed: { pattern: RegExp; moment: KillMoment; onRequest: () => void } | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: to.hostname, port: Number(to.port) });
    sockets.add(client);
    sockets.add(upstream);
    let awaitingAnswer: (() => void) | undefined;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      const line = chunk.toString('latin1', 0, Math.min(chunk.length, 512)).split('\r\n', 1)[0] ?? '';
      const trigger = armed;
      if (trigger && trigger.pattern.test(line)) {
        armed = undefined;
        if (trigger.moment === 'before') {
          trigger.onRequest();
          end();
          return;
        }
        awaitingAnswer = trigger.onRequest;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (awaitingAnswer) {
        const onRequest = awaitingAnswer;
        awaitingAnswer = undefined;
        onRequest();
        end();
        return;
      }
      client.write(chunk);
    });
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm(pattern, moment, onRequest) {
      armed = { pattern, moment, onRequest };
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
