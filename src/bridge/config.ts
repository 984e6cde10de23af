/** `switchboard bridge`: its options, declared once (src/shared/config.ts); the CLI's flags, variables and help. */
import { join } from 'node:path';
import { defineCommand, LOG_LEVEL_NOTE, optionalText, serviceOptions, switchSchema, tlsOptions, type SettingsOf } from '../shared/config.ts';

export const BRIDGE_DATABASE_FILE = 'bridge.db';

/** The bridge's database when `--database` is not given: SQLite in the data directory. */
export function defaultBridgeDatabase(dataDir: string): string {
  return `sqlite:${join(dataDir, BRIDGE_DATABASE_FILE)}`;
}

export const bridgeCommand = defineCommand({
  name: 'bridge',
  summary: 'A CMS-compatible call bridge (management API under /api/v1).',
  options: {
    ...serviceOptions('bridge', {
      listen: '127.0.0.1:8080 (none when only --tls-listen is given)',
      listenHelp: 'plain HTTP listener (port 0 picks one)',
      databaseFile: BRIDGE_DATABASE_FILE,
      databaseKinds: 'sqlite::memory:, postgres://...',
    }),
    ...tlsOptions('bridge'),
    name: { flag: 'name', env: 'SWITCHBOARD_BRIDGE_NAME', placeholder: 'NAME', help: "this call bridge's name in /callBridges (unique per cluster node)", schema: optionalText },
    users: {
      flag: 'users',
      env: 'SWITCHBOARD_BRIDGE_USERS',
      placeholder: 'FILE.json',
      help: 'users served under /users, upserted at start by userJid: [{"userJid", "name"?, "email"?, "authenticationId"?, "userProfile"?, "tenant"?, "cdrTag"?}]',
      schema: optionalText,
    },
    sim: { flag: 'sim', env: 'SWITCHBOARD_BRIDGE_SIM', kind: 'switch', default: false, help: "serve the simulator's control API under /sim/v1 (dial-ins, hang-ups, endpoint behaviours, media)", schema: switchSchema },
    simUser: { flag: 'sim-user', env: 'SWITCHBOARD_SIM_USER', placeholder: 'USER', help: "the simulator's own API user (required with --sim)", schema: optionalText },
    simPassword: { flag: 'sim-password', env: 'SWITCHBOARD_SIM_PASSWORD', placeholder: 'PASS', help: 'its password', schema: optionalText },
    simConfig: {
      flag: 'sim-config',
      env: 'SWITCHBOARD_BRIDGE_SIM_CONFIG',
      placeholder: 'FILE',
      help: 'endpoint behaviours loaded at start (implies --sim): {"endpoints": [{"pattern": "busy@*", "outcome": "busy"}]}',
      schema: optionalText,
    },
  },
  notes: [LOG_LEVEL_NOTE],
});

export type BridgeSettings = SettingsOf<typeof bridgeCommand.options>;
