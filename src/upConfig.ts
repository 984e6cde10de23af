/** `switchboard up`: its options, declared once (src/shared/config.ts); the CLI's flags, variables and help. */
import { defineCommand, LOG_LEVEL_NOTE, type SettingsOf } from './shared/config.ts';
import { z } from 'zod';

export const upCommand = defineCommand({
  name: 'up',
  summary: 'Everything together on embedded SQLite: bridge, collector, scheduler and the web UI (what npm start runs).',
  options: {
    data: {
      flag: 'data',
      env: 'SWITCHBOARD_UP_DATA',
      placeholder: 'DIR',
      default: './data',
      help: 'data directory: bridge.db, collector.db, scheduler.db, the certificate and generated credentials',
      schema: z.string(),
    },
    listen: { flag: 'listen', env: 'SWITCHBOARD_UP_LISTEN', placeholder: 'HOST:PORT', default: '127.0.0.1:8080', help: 'the web UI (port 0 picks one)', schema: z.string() },
  },
  notes: [LOG_LEVEL_NOTE],
});

export type UpSettings = SettingsOf<typeof upCommand.options>;
