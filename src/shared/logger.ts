import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values never reach a log: masked the way CMS masks passcodes in its API trace. */
const SECRET_NAMES = new Set(['passcode', 'password', 'secret', 'authorization', 'apipassword', 'pin', 'token']);

export const MASK = '********';

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase());
}

/** Returns a copy of form-like fields with secret values masked. */
export function maskFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = isSecretName(key) && value !== '' ? MASK : value;
  return out;
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where to write; defaults to stderr so that stdout stays for the `listening on` lines. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['SWITCHBOARD_LOG_LEVEL'] ?? 'info';
  return pino(
    {
      level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: {
        paths: [
          'password',
          '*.password',
          'passcode',
          '*.passcode',
          'secret',
          '*.secret',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: MASK,
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
