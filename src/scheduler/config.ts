/** `switchboard scheduler`: its options, declared once (src/shared/config.ts); the CLI's flags, variables and help. */
import { join } from 'node:path';
import { defineCommand, LOG_LEVEL_NOTE, optionalText, serviceOptions, wholeNumber, type SettingsOf } from '../shared/config.ts';
import { z } from 'zod';

export const SCHEDULER_DATABASE_FILE = 'scheduler.db';

/** The scheduler's database when `--database` is not given: SQLite in the data directory. */
export function defaultSchedulerDatabase(dataDir: string): string {
  return `sqlite:${join(dataDir, SCHEDULER_DATABASE_FILE)}`;
}

/** The SMTP options, also resolved on their own (`smtpConfigFrom`). */
export const smtpOptions = {
  smtpHost: { flag: 'smtp-host', env: 'SWITCHBOARD_SMTP_HOST', placeholder: 'HOST', defaultText: 'none: no e-mail is sent', help: 'SMTP server for invitation e-mails', schema: optionalText },
  smtpPort: {
    flag: 'smtp-port',
    env: 'SWITCHBOARD_SMTP_PORT',
    placeholder: 'N',
    defaultText: '587, or 465 with --smtp-secure',
    help: "the SMTP server's port",
    schema: wholeNumber(1, 65_535, 'must be a port number (1-65535)').optional(),
  },
  smtpSecure: {
    flag: 'smtp-secure',
    env: 'SWITCHBOARD_SMTP_SECURE',
    kind: 'switch',
    default: false,
    help: 'TLS from the start (port 465); otherwise STARTTLS when the server offers it',
    schema: z.boolean(),
  },
  smtpUser: { flag: 'smtp-user', env: 'SWITCHBOARD_SMTP_USER', placeholder: 'USER', help: 'SMTP login (with --smtp-password)', schema: optionalText },
  smtpPassword: { flag: 'smtp-password', env: 'SWITCHBOARD_SMTP_PASSWORD', placeholder: 'PASS', help: 'its password (better given in the environment)', schema: optionalText },
  smtpFrom: {
    flag: 'smtp-from',
    env: 'SWITCHBOARD_SMTP_FROM',
    placeholder: 'ADDRESS',
    help: 'sender of invitations (required with --smtp-host), e.g. "Switchboard <scheduler@example.com>"',
    schema: optionalText,
  },
} as const;

export const schedulerCommand = defineCommand({
  name: 'scheduler',
  summary: 'A TMS-style meeting scheduler (JSON API; OpenAPI at /api/v1/openapi.json).',
  options: {
    ...serviceOptions('scheduler', {
      listen: '127.0.0.1:8090',
      listenHelp: 'JSON API listener (port 0 picks one)',
      databaseFile: SCHEDULER_DATABASE_FILE,
      databaseKinds: 'sqlite::memory:, postgres://...',
    }),
    ...smtpOptions,
    leaseSeconds: {
      flag: 'lease-seconds',
      env: 'SWITCHBOARD_SCHEDULER_LEASE_SECONDS',
      placeholder: 'N',
      default: '60',
      help: "how long a claimed meeting action stays this process's without renewal (after a crash, another takes it over then)",
      schema: wholeNumber(1, 3600, 'takes a whole number of seconds (1 to 3600)'),
    },
  },
  notes: [
    'SWITCHBOARD_SECRET_KEY    32-byte key (hex or base64) sealing stored bridge passwords; without it a key is',
    '                          generated once into DIR/scheduler-secret.key',
    LOG_LEVEL_NOTE,
  ],
});

export type SchedulerSettings = SettingsOf<typeof schedulerCommand.options>;
