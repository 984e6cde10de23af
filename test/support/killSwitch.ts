/**
 * A TCP pass-through in front of a real server that calls `onRequest` when a client sends a request
 * whose request line matches a pattern, at one of two moments: `before` the request reaches the
 * server (it never does), or `after` the server answered it (the answer never reaches the client).
 * Tests use it to kill a process at an exact step of a protocol exchange, with real processes and
 * real HTTP. Assumes, as HTTP/1.1 clients write them, that a request line starts a TCP chunk.
 */
import { startTcpProxy } from './tcpProxy.ts';

export type KillMoment = 'before' | 'after';

export interface KillSwitch {
  readonly url: string;
  /** Arms the switch for the next matching request (one shot). */
  arm(pattern: RegExp, moment: KillMoment, onRequest: () => void): void;
  stop(): Promise<void>;
}

export async function startKillSwitch(target: string): Promise<KillSwitch> {
  let armed: { pattern: RegExp; moment: KillMoment; onRequest: () => void } | undefined;
  const proxy = await startTcpProxy(target, (connection) => {
    let awaitingAnswer: (() => void) | undefined;
    return {
      fromClient(chunk) {
        const line = chunk.toString('latin1', 0, Math.min(chunk.length, 512)).split('\r\n', 1)[0] ?? '';
        const trigger = armed;
        if (trigger?.pattern.test(line)) {
          armed = undefined;
          if (trigger.moment === 'before') {
            trigger.onRequest();
            connection.end();
            return;
          }
          awaitingAnswer = trigger.onRequest;
        }
        connection.toServer(chunk);
      },
      fromServer(chunk) {
        if (awaitingAnswer) {
          const onRequest = awaitingAnswer;
          awaitingAnswer = undefined;
          onRequest();
          connection.end();
          return;
        }
        connection.toClient(chunk);
      },
    };
  });
  return {
    url: proxy.url,
    arm(pattern, moment, onRequest) {
      armed = { pattern, moment, onRequest };
    },
    stop: () => proxy.stop(),
  };
}
