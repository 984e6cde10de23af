/** Options declared once (src/shared/config.ts): flag > environment > default, validation naming the flag, help from the declaration. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ConfigError, defineCommand, helpText, parseCommandLine, switchSchema, wholeNumber } from '../../src/shared/config.ts';

const demo = defineCommand({
  name: 'demo',
  summary: 'A command for these tests.',
  options: {
    port: { flag: 'port', env: 'DEMO_PORT', placeholder: 'N', default: '587', help: 'a port', schema: wholeNumber(1, 65_535, 'must be a port number (1-65535)') },
    host: { flag: 'host', env: 'DEMO_HOST', placeholder: 'HOST', help: 'a host', schema: z.string().optional() },
    secure: { flag: 'secure', env: 'DEMO_SECURE', kind: 'switch', default: false, help: 'a switch', schema: switchSchema },
  },
});

function settings(args: string[], env: NodeJS.ProcessEnv = {}): { port: number; host: string | undefined; secure: boolean } {
  const line = parseCommandLine(demo, args, env);
  assert.equal(line.help, false);
  return { ...line.settings };
}

describe('option declarations', () => {
  test('precedence: the flag, then the environment variable, then the default', () => {
    assert.deepEqual(settings([]), { port: 587, host: undefined, secure: false });
    assert.deepEqual(settings([], { DEMO_PORT: '2525', DEMO_HOST: 'env.example', DEMO_SECURE: 'yes' }), { port: 2525, host: 'env.example', secure: true });
    assert.deepEqual(settings(['--port', '25', '--host', 'flag.example', '--secure'], { DEMO_PORT: '2525', DEMO_HOST: 'env.example', DEMO_SECURE: '0' }), {
      port: 25,
      host: 'flag.example',
      secure: true,
    });
    // An empty variable is not set: the default applies.
    assert.deepEqual(settings([], { DEMO_PORT: '', DEMO_HOST: '' }), { port: 587, host: undefined, secure: false });
  });

  test('a refused value names the flag, the value and where it came from', () => {
    assert.throws(() => settings(['--port', '99999']), (e: unknown) => e instanceof ConfigError && e.message === '--port must be a port number (1-65535), not "99999" (from --port)');
    assert.throws(() => settings([], { DEMO_PORT: 'soon' }), (e: unknown) => e instanceof ConfigError && e.message === '--port must be a port number (1-65535), not "soon" (from DEMO_PORT)');
    assert.throws(() => settings([], { DEMO_SECURE: 'maybe' }), (e: unknown) => e instanceof ConfigError && /--secure/.test(e.message) && /DEMO_SECURE/.test(e.message));
  });

  test('unknown flags and stray arguments are refused by parseArgs; --help and -h ask for help', () => {
    assert.throws(() => parseCommandLine(demo, ['--bogus'], {}), /Unknown option '--bogus'/);
    assert.throws(() => parseCommandLine(demo, ['stray'], {}), /Unexpected argument 'stray'/);
    assert.deepEqual(parseCommandLine(demo, ['--help'], {}), { help: true });
    assert.deepEqual(parseCommandLine(demo, ['-h'], { DEMO_PORT: 'not even read' }), { help: true });
  });

  test('the help lists every option with its default and variable', () => {
    const help = helpText(demo);
    assert.match(help, /^usage: switchboard demo \[options\]/);
    assert.match(help, /--port N +a port\n +default: 587; env: DEMO_PORT\n/);
    assert.match(help, /--host HOST +a host\n +default: none; env: DEMO_HOST\n/);
    assert.match(help, /--secure +a switch\n +default: false; env: DEMO_SECURE\n/);
    assert.match(help, /-h, --help/);
  });
});
