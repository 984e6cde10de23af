/** Helpers for benchmarks: services started as real processes, load from autocannon, process memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'switchboard.js');

export interface Service {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Spawns `node ARGS...` and resolves once it prints `listening on <url>`. */
export async function spawnService(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Service> {
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    if (!child.stdout) throw new Error('no stdout');
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^listening on (https?:\/\/\S+)$/.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${String(code)} before listening`)));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('no pid');
  return {
    url,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident and peak memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command name: field 14 (utime) and 15 (stime) of stat(5) are at 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly requests: number;
  /** Server CPU per request, in microseconds, when the server's pid was given: robust on a shared machine. */
  readonly cpuMicrosPerRequest: number | undefined;
}

/** Runs autocannon (keep-alive connections) against `url` with requests made by `next()`. */
export async function load(
  url: string,
  options: { connections?: number; durationSeconds: number; headers?: Record<string, string>; serverPid?: number; next: () => { method: 'GET' | 'PUT' | 'POST'; path: string; body?: string } },
): Promise<LoadResult> {
  const cpuBefore = options.serverPid === undefined ? 0 : cpuSecondsOf(options.serverPid);
  const result = await autocannon({
    url,
    connections: options.connections ?? 10,
    duration: options.durationSeconds,
    headers: options.headers ?? {},
    requests: [
      {
        setupRequest: (request) => {
          const next = options.next();
          return {
            ...request,
            method: next.method,
            path: next.path,
            ...(next.body === undefined ? {} : { body: next.body, headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' } }),
          };
        },
      },
    ],
  });
  const requests = result.requests.total;
  return {
    requests,
    cpuMicrosPerRequest: options.serverPid === undefined || requests === 0 ? undefined : ((cpuSecondsOf(options.serverPid) - cpuBefore) * 1e6) / requests,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
