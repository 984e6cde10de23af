/**
 * Text the wire formats cannot carry never leaves the bridge (issue #13, finding 1): a caller's display
 * name or remote party with a NUL, a lone surrogate or U+FFFF reaches the API XML and the CDR XML as
 * U+FFFD, and both parse with a strict XML 1.0 parser; a CDR post to a real receiver is delivered (on
 * Postgres too, whose text cannot hold a NUL). Through the CMS API such characters are refused with
 * `parameterError invalidValue`, so nothing stored from it needs the replacement
 * (docs/cms-compatibility.md).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { TestCdrReceiver } from '../support/cdrReceiver.ts';
import { assertStrictXml } from '../support/strictXml.ts';

const CALLERS = [
  { displayName: 'caller\u0000name', remoteParty: 'nul\u0000party@example.com', shown: 'caller\uFFFDname', party: 'nul\uFFFDparty@example.com' },
  { displayName: 'lone\uD800surrogate', remoteParty: 'ctl\u0001party@example.com', shown: 'lone\uFFFDsurrogate', party: 'ctl\uFFFDparty@example.com' },
  { displayName: 'non\uFFFFchar', remoteParty: 'ffff\uFFFEparty@example.com', shown: 'non\uFFFDchar', party: 'ffff\uFFFDparty@example.com' },
];

forEachDialect('characters XML cannot carry', (dialect) => {
  let b: TestBridge;
  let receiver: TestCdrReceiver;
  const clock = new FakeClock(Date.UTC(2025, 0, 6, 9, 0, 0));
  before(async () => {
    receiver = await TestCdrReceiver.start();
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
    await receiver.close();
  });

  test('a dial-in with a NUL, a lone surrogate or U+FFFF in its name: API XML and CDR XML carry U+FFFD and parse strictly', { timeout: 60_000 }, async () => {
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(receiver.url('/cdr'))}`);
    await b.create('/coSpaces', 'name=Odd%20Names&uri=odd.names');
    const legs: string[] = [];
    for (const caller of CALLERS) {
      const dialIn = await b.sim('POST', '/dialIns', { uri: 'odd.names@127.0.0.1', remoteParty: caller.remoteParty, displayName: caller.displayName });
      assert.equal(dialIn.status, 200, JSON.stringify(dialIn.json));
      legs.push(String(dialIn.json.callLeg));
    }

    // A NUL in the dialled address or the caller's jid matches nothing (Postgres cannot even compare it).
    const nowhere = await b.sim('POST', '/dialIns', { uri: 'odd\u0000names@127.0.0.1', remoteParty: 'x@example.com' });
    assert.equal(nowhere.status, 200, JSON.stringify(nowhere.json));
    assert.equal(nowhere.json.reason, 'unknownDestination');
    const asJid = await b.sim('POST', '/dialIns', { uri: 'odd.names@127.0.0.1', remoteParty: 'jid@example.com', userJid: 'a\u0000b@example.com' });
    assert.equal(asJid.status, 200, JSON.stringify(asJid.json));
    legs.push(String(asJid.json.callLeg));
    assert.equal((await b.sim('POST', `/callLegs/${legs.pop() ?? ''}/hangUp`)).status, 200);

    const list = await b.api('GET', '/callLegs');
    assert.equal(list.status, 200);
    assertStrictXml(list.text, 'GET /callLegs');
    for (const caller of CALLERS) {
      assert.ok(list.text.includes(`<name>${caller.shown}</name>`), `${JSON.stringify(caller.shown)} in ${list.text}`);
      assert.ok(list.text.includes(`<remoteParty>${caller.party}</remoteParty>`), JSON.stringify(caller.party));
    }
    for (const [i, leg] of legs.entries()) {
      const detail = await b.api('GET', `/callLegs/${leg}`);
      assert.equal(detail.status, 200);
      assertStrictXml(detail.text, `GET /callLegs/${leg}`);
      assert.ok(detail.text.includes(`<name>${CALLERS[i]?.shown ?? ''}</name>`), detail.text);
    }
    const participants = await b.api('GET', '/participants');
    assert.equal(participants.status, 200);
    assertStrictXml(participants.text, 'GET /participants');

    // Every record reaches the receiver: callStart and one callLegStart per caller.
    await receiver.until(() => receiver.accepted.filter((r) => r.type === 'callLegStart').length >= CALLERS.length, 'the callLegStart records delivered');
    const posts = receiver.posts.filter((p) => p.answered && p.status === 200);
    for (const post of posts) assertStrictXml(post.bytes, 'a CDR post');
    const bodies = posts.map((p) => p.bytes.toString('utf8')).join('');
    for (const caller of CALLERS) {
      assert.ok(bodies.includes(`<displayName>${caller.shown}</displayName>`), JSON.stringify(caller.shown));
      assert.ok(bodies.includes(`<remoteParty>${caller.party}</remoteParty>`), JSON.stringify(caller.party));
    }
  });

  test('through the CMS API such a character is refused (parameterError invalidValue) and nothing is stored', async () => {
    const space = await b.create('/coSpaces', 'name=Clean&uri=clean.space');
    for (const encoded of ['%00', '%01', '%1F', '%EF%BF%BE', '%EF%BF%BF']) {
      const posted = await b.api('POST', '/coSpaces', `name=a${encoded}b&uri=odd${encoded.length}x${encoded.slice(1, 3)}`);
      assert.equal(posted.status, 400, encoded);
      assert.match(posted.text, /<parameterError parameter="name" error="invalidValue"\/>/, encoded);
      const put = await b.api('PUT', `/coSpaces/${space}`, `name=a${encoded}b`);
      assert.equal(put.status, 400, encoded);
      const filtered = await b.api('GET', `/coSpaces?filter=a${encoded}b`);
      assert.equal(filtered.status, 400, encoded);
      assert.match(filtered.text, /<parameterError parameter="filter" error="invalidValue"\/>/, encoded);
    }
    const spaces = await b.api('GET', '/coSpaces');
    assertStrictXml(spaces.text, 'GET /coSpaces');
    assert.match(spaces.text, /<coSpaces total="2">/, 'only the two coSpaces made with clean names');
    const detail = await b.api('GET', `/coSpaces/${space}`);
    assert.match(detail.text, /<name>Clean<\/name>/);
    // Tab, CR and LF are XML characters: accepted as before.
    assert.equal((await b.api('PUT', `/coSpaces/${space}`, 'name=a%09b')).status, 200);
    assertStrictXml((await b.api('GET', `/coSpaces/${space}`)).text);
  });
});
