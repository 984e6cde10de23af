/** `switchboard collector`: refuses to run without API credentials or with bad options. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../src/cli.ts';

async function run(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(args, { out: () => undefined, err: (line) => (err += line) });
  return { code, err };
}

describe('switchboard collector (CLI)', () => {
  it('refuses to start without API credentials', async () => {
    const saved = { user: process.env['SWITCHBOARD_API_USER'], password: process.env['SWITCHBOARD_API_PASSWORD'] };
    delete process.env['SWITCHBOARD_API_USER'];
    delete process.env['SWITCHBOARD_API_PASSWORD'];
    try {
      const { code, err } = await run(['collector', '--listen', '127.0.0.1:0', '--database', 'sqlite::memory:']);
      assert.equal(code, 2);
      assert.match(err, /no API credentials/);
    } finally {
      if (saved.user !== undefined) process.env['SWITCHBOARD_API_USER'] = saved.user;
      if (saved.password !== undefined) process.env['SWITCHBOARD_API_PASSWORD'] = saved.password;
    }
  });

  it('refuses half-given ingest credentials and bad retention or sync values', async () => {
    const base = ['collector', '--api-user', 'a', '--api-password', 'b', '--database', 'sqlite::memory:'];
    assert.match((await run([...base, '--ingest-user', 'cms'])).err, /go together/);
    assert.match((await run([...base, '--retention-days', '0'])).err, /retention-days/);
    assert.match((await run([...base, '--sqlite-sync', 'off'])).err, /sqlite-sync/);
    assert.equal((await run([...base, '--listen', 'nonsense'])).code, 1);
  });
});
