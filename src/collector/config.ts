/** `switchboard collector`: its options, declared once (src/shared/config.ts); the CLI's flags, variables and help. */
import { join } from 'node:path';
import { defineCommand, LOG_LEVEL_NOTE, oneOf, optionalText, serviceOptions, tlsOptions, wholeNumber, type SettingsOf } from '../shared/config.ts';

export const COLLECTOR_DATABASE_FILE = 'collector.db';

/** The collector's database when `--database` is not given: SQLite in the data directory. */
export function defaultCollectorDatabase(dataDir: string): string {
  return `sqlite:${join(dataDir, COLLECTOR_DATABASE_FILE)}`;
}

export const collectorCommand = defineCommand({
  name: 'collector',
  summary: 'A CDR receiver with storage and reports.',
  options: {
    ...serviceOptions('collector', {
      listen: '127.0.0.1:8081 (none when only --tls-listen is given)',
      listenHelp: 'plain HTTP listener for CDR posts and the query API (port 0 picks one)',
      databaseFile: COLLECTOR_DATABASE_FILE,
      databaseKinds: 'postgres://...',
    }),
    ...tlsOptions('collector'),
    ingestUser: { flag: 'ingest-user', env: 'SWITCHBOARD_COLLECTOR_INGEST_USER', placeholder: 'USER', help: 'require HTTP Basic auth on CDR posts (with --ingest-password)', schema: optionalText },
    ingestPassword: { flag: 'ingest-password', env: 'SWITCHBOARD_COLLECTOR_INGEST_PASSWORD', placeholder: 'PASS', help: 'its password', schema: optionalText },
    ingestToken: {
      flag: 'ingest-token',
      env: 'SWITCHBOARD_COLLECTOR_INGEST_TOKEN',
      placeholder: 'TOKEN',
      help: 'require ?token=TOKEN on the receiver URI (either form is accepted when both are set)',
      schema: optionalText,
    },
    retentionDays: {
      flag: 'retention-days',
      env: 'SWITCHBOARD_COLLECTOR_RETENTION_DAYS',
      placeholder: 'N',
      defaultText: 'keep every record',
      help: 'drop records older than N days (checked hourly)',
      schema: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'takes a whole number of days (1 or more)').optional(),
    },
    sqliteSync: {
      flag: 'sqlite-sync',
      env: 'SWITCHBOARD_COLLECTOR_SQLITE_SYNC',
      placeholder: 'full|normal',
      default: 'full',
      help: 'SQLite durability of an acknowledged post (full survives power loss)',
      schema: oneOf(['full', 'normal'], 'takes full or normal'),
    },
  },
  notes: [LOG_LEVEL_NOTE],
});

export type CollectorSettings = SettingsOf<typeof collectorCommand.options>;
