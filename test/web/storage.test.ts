import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { openDatabase, sql } from '../../src/shared/database.ts';
import { BridgeStorage } from '../../src/bridge/storage/index.ts';
import { Accounts } from '../../src/web/auth/accounts.ts';
import { hashPassword, verifyPassword } from '../../src/web/auth/password.ts';
import { ABSOLUTE_LIFETIME_MS, IDLE_TIMEOUT_MS, Sessions } from '../../src/web/auth/sessions.ts';
import { WebError } from '../../src/web/errors.ts';
import { WebStorage } from '../../src/web/storage/index.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';

async function rejectsWith(promise: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WebError, String(error));
    assert.equal(error.code, code);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  });
}

test('password hashes are salted scrypt and verify in constant time', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a fresh salt per hash');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('anything', undefined), false, 'unknown user: dummy hash never matches');
  assert.equal(await verifyPassword('x', 'not-a-hash'), false);
  assert.equal(await verifyPassword('x', 'scrypt$0$8$1$AA==$AA=='), false);
});

forEachDialect('web storage', (dialect) => {
  let database: TestDatabase;
  let storage: WebStorage;
  let clock: FakeClock;
  let accounts: Accounts;
  let sessions: Sessions;

  before(async () => {
    database = await freshDatabase(dialect, 'webstore');
    storage = await WebStorage.open(database.url);
  });
  after(async () => {
    await storage.close();
    await database.dispose();
  });
  beforeEach(async () => {
    await storage.db.deleteFrom('web_session').execute();
    await storage.db.deleteFrom('web_user').execute();
    clock = new FakeClock();
    accounts = new Accounts(storage, () => clock.now());
    sessions = new Sessions(storage, clock);
  });

  test('users: create, authenticate (case-insensitive name), list without hashes', async () => {
    const admin = await accounts.create({ username: ' Alice ', password: 'alice-password', role: 'admin' });
    assert.equal(admin.username, 'alice');
    assert.equal((await accounts.authenticate('ALICE', 'alice-password'))?.id, admin.id);
    assert.equal(await accounts.authenticate('alice', 'wrong-password'), undefined);
    assert.equal(await accounts.authenticate('nobody', 'alice-password'), undefined);
    const listed = await accounts.list();
    assert.deepEqual(listed.map((u) => [u.username, u.role]), [['alice', 'admin']]);
    assert.equal('passwordHash' in (listed[0] ?? {}), false);
    const row = await storage.db.selectFrom('web_user').select('password_hash').executeTakeFirstOrThrow();
    assert.ok(!row.password_hash.includes('alice-password'));
  });

  test('users: bad input is refused with the field named, nothing stored', async () => {
    await rejectsWith(accounts.create({ username: '<b>', password: 'long-enough-1', role: 'admin' }), 'invalidField', 'username');
    await rejectsWith(accounts.create({ username: 'bob', password: 'short', role: 'admin' }), 'invalidField', 'password');
    await rejectsWith(accounts.create({ username: 'bob', password: 'x'.repeat(257), role: 'admin' }), 'invalidField', 'password');
    await rejectsWith(accounts.create({ username: 'bob', password: 'long-enough-1', role: 'root' }), 'invalidField', 'role');
    assert.equal(await accounts.count(), 0);
    await accounts.create({ username: 'bob', password: 'long-enough-1', role: 'viewer' });
    await rejectsWith(accounts.create({ username: 'BOB', password: 'long-enough-2', role: 'admin' }), 'conflict');
    assert.equal(await accounts.count(), 1);
  });

  test('the last admin cannot be demoted or deleted', async () => {
    const admin = await accounts.create({ username: 'root', password: 'root-password', role: 'admin' });
    await rejectsWith(accounts.setRole(admin.id, 'viewer'), 'conflict');
    await rejectsWith(accounts.delete(admin.id), 'conflict');
    const second = await accounts.create({ username: 'root2', password: 'root-password', role: 'admin' });
    await accounts.setRole(admin.id, 'booker');
    await rejectsWith(accounts.delete(second.id), 'conflict');
    await accounts.delete(admin.id);
    assert.deepEqual((await accounts.list()).map((u) => u.username), ['root2']);
    await rejectsWith(accounts.setRole('no-such-id', 'viewer'), 'notFound');
  });

  test('sessions: start, resolve, end; the cookie value is not stored', async () => {
    const user = await accounts.create({ username: 'carol', password: 'carol-password', role: 'booker' });
    const token = await sessions.start(user.id);
    const active = await sessions.resolve(token);
    assert.equal(active?.user.username, 'carol');
    assert.equal(active.user.role, 'booker');
    assert.ok(active.csrfToken.length >= 40);
    const stored = await storage.db.selectFrom('web_session').selectAll().execute();
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]?.token_hash, token);
    assert.equal(await sessions.resolve('forged'), undefined);
    assert.equal(await sessions.resolve(undefined), undefined);
    await sessions.end(token);
    assert.equal(await sessions.resolve(token), undefined);
  });

  test('sessions: idle timeout slides with use; absolute lifetime ends it', async () => {
    const user = await accounts.create({ username: 'dave', password: 'dave-password', role: 'viewer' });
    const token = await sessions.start(user.id);
    const start = clock.now();
    while (clock.now() + IDLE_TIMEOUT_MS / 2 < start + ABSOLUTE_LIFETIME_MS) {
      await clock.advance(IDLE_TIMEOUT_MS / 2);
      assert.ok(await sessions.resolve(token), `still alive after ${(clock.now() - start) / 3600_000} h of regular use`);
    }
    await clock.advanceTo(start + ABSOLUTE_LIFETIME_MS);
    assert.equal(await sessions.resolve(token), undefined, 'absolute lifetime reached');

    const idle = await sessions.start(user.id);
    await clock.advance(IDLE_TIMEOUT_MS + 1);
    assert.equal(await sessions.resolve(idle), undefined, 'idle timeout');
  });

  test('sessions: a new password ends the user\'s sessions; deleting a user ends them too; expired ones purge', async () => {
    await accounts.create({ username: 'admin', password: 'admin-password', role: 'admin' });
    const user = await accounts.create({ username: 'erin', password: 'erin-password', role: 'viewer' });
    const token = await sessions.start(user.id);
    await accounts.setPassword(user.id, 'erin-password-2');
    assert.equal(await sessions.resolve(token), undefined);
    assert.ok(await accounts.authenticate('erin', 'erin-password-2'));
    const again = await sessions.start(user.id);
    await accounts.delete(user.id);
    assert.equal(await sessions.resolve(again), undefined);
    const admin = await storage.users.byUsername('admin');
    await sessions.start(admin?.id ?? '');
    await clock.advance(IDLE_TIMEOUT_MS + 1);
    assert.equal(await sessions.purgeExpired(), 1);
  });

  test('hosted in another service\'s database next to its tables, with its own migration table', async () => {
    const shared = await freshDatabase(dialect, 'webhost');
    try {
      const bridge = await BridgeStorage.open(shared.url);
      const host = await openDatabase(shared.url);
      const hosted = await WebStorage.within(host);
      const again = await WebStorage.within(host); // idempotent
      await new Accounts(hosted, () => 0).create({ username: 'hosted', password: 'hosted-password', role: 'admin' });
      assert.equal(await again.users.count(), 1);
      const tables = await sql<{ name: string }>`${sql.raw(
        dialect === 'sqlite'
          ? "select name from sqlite_master where type = 'table'"
          : 'select table_name as name from information_schema.tables where table_schema = current_schema()',
      )}`.execute(host.db);
      const names = tables.rows.map((r) => r.name);
      for (const name of ['web_migration', 'bridge_migration', 'web_user', 'web_session', 'co_space']) assert.ok(names.includes(name), name);
      await hosted.close(); // leaves the host's database open
      assert.equal(await again.users.count(), 1);
      await host.close();
      await bridge.close();
    } finally {
      await shared.dispose();
    }
  });
});
