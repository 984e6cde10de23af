import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

const MISSING = '00000000-0000-0000-0000-000000000000';

forEachDialect('system/profiles and system/database', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  test('GET before any PUT is an empty <profiles/>', async () => {
    const res = await b.api('GET', '/system/profiles');
    assert.equal(res.status, 200);
    assert.equal(res.text, '<?xml version="1.0"?>\n<profiles/>');
  });

  test('PUT sets top-level profiles, omitted ones stay, empty unsets', async () => {
    const leg = await b.create('/callLegProfiles', 'name=top');
    const call = await b.create('/callProfiles', 'participantLimit=100');
    const dtmf = await b.create('/dtmfProfiles', 'lockCall=*9');
    assert.equal((await b.api('PUT', '/system/profiles', `callLegProfile=${leg}&callProfile=${call}`)).status, 200);
    assert.equal((await b.api('PUT', '/system/profiles', `dtmfProfile=${dtmf}`)).status, 200);
    assert.equal(
      (await b.api('GET', '/system/profiles')).text,
      `<?xml version="1.0"?>\n<profiles><callLegProfile>${leg}</callLegProfile><callProfile>${call}</callProfile><dtmfProfile>${dtmf}</dtmfProfile></profiles>`,
    );
    await b.api('PUT', '/system/profiles', 'callProfile=');
    const xml = await b.get('/system/profiles');
    assert.equal(xml.profiles.callProfile, undefined);
    assert.equal(xml.profiles.callLegProfile, leg);
  });

  test('unknown profile ids and parameters are refused and change nothing; POST is invalidOperation', async () => {
    const before1 = (await b.api('GET', '/system/profiles')).text;
    for (const [body, expected] of [
      [`callProfile=${MISSING}`, /<callProfileDoesNotExist\/>/],
      [`compatibilityProfile=${MISSING}`, /<compatibilityProfileDoesNotExist\/>/],
      [`webBridgeProfile=${MISSING}`, /<webBridgeProfileDoesNotExist\/>/],
      ['callLegProfile=&bogus=1', /<parameterError parameter="bogus" error="unrecognisedParameter"\/>/],
    ] as const) {
      const res = await b.api('PUT', '/system/profiles', body);
      assert.equal(res.status, 400, body);
      assert.match(res.text, expected);
    }
    const post = await b.api('POST', '/system/profiles', 'callProfile=');
    assert.equal(post.status, 405);
    assert.match(post.text, /<failureDetails><invalidOperation\/><\/failureDetails>/);
    assert.equal((await b.api('GET', '/system/profiles')).text, before1);
  });

  test('system/database answers clustered enabled on Postgres, disabled on SQLite', async () => {
    const res = await b.api('GET', '/system/database');
    assert.equal(res.status, 200);
    assert.equal(res.text, `<?xml version="1.0"?>\n<database clustered="${dialect === 'postgres' ? 'enabled' : 'disabled'}"/>`);
  });
});

forEachDialect('accessQuery', (dialect) => {
  let b: TestBridge;
  let space: string;
  let method: string;
  let tenant: string;
  let tenantSpace: string;
  before(async () => {
    b = await startTestBridge(dialect);
    tenant = await b.create('/tenants', 'name=T');
    space = await b.create('/coSpaces', 'name=Sales&uri=sales.meeting&secondaryUri=sales2&callId=123456789');
    method = await b.create(`/coSpaces/${space}/accessMethods`, 'uri=sales.guest&callId=987654321&passcode=1');
    tenantSpace = await b.create('/coSpaces', `name=TS&uri=tenant.space&tenant=${tenant}`);
    await b.create('/inboundDialPlanRules', 'domain=low.example&priority=1');
    await b.create('/inboundDialPlanRules', 'domain=Example.com&priority=10');
    await b.create('/inboundDialPlanRules', 'domain=ivr-only.example&priority=50&resolveTocoSpaces=false');
    await b.create('/inboundDialPlanRules', `domain=tenant.example&priority=100&tenant=${tenant}`);
  });
  after(async () => {
    await b.close();
  });

  test('a coSpace uri answers the coSpace and its full URI at the best inbound domain', async () => {
    const res = await b.api('POST', '/accessQuery', 'uri=Sales.Meeting');
    assert.equal(res.status, 200);
    assert.equal(res.text, `<?xml version="1.0"?>\n<accessQuery><coSpace>${space}</coSpace><uri>sales.meeting@example.com</uri></accessQuery>`);
    assert.match((await b.api('POST', '/accessQuery', 'uri=sales2@elsewhere.org')).text, /<uri>sales2@example\.com<\/uri>/);
  });

  test('an access method uri or callId names the access method too', async () => {
    const byUri = await b.api('POST', '/accessQuery', 'uri=sales.guest');
    assert.match(byUri.text, new RegExp(`<coSpace>${space}</coSpace><accessMethod>${method}</accessMethod><uri>sales.guest@example.com</uri>`));
    const byCallId = await b.api('POST', '/accessQuery', 'callId=987654321');
    assert.match(byCallId.text, new RegExp(`<coSpace>${space}</coSpace><accessMethod>${method}</accessMethod><callId>987654321</callId>`));
    const direct = await b.api('POST', '/accessQuery', 'callId=123456789');
    assert.equal(direct.text, `<?xml version="1.0"?>\n<accessQuery><coSpace>${space}</coSpace><callId>123456789</callId></accessQuery>`);
  });

  test('tenant limits the search; a tenant coSpace uses its tenant domain', async () => {
    const res = await b.api('POST', '/accessQuery', `uri=tenant.space&tenant=${tenant}`);
    assert.match(res.text, new RegExp(`<coSpace>${tenantSpace}</coSpace><uri>tenant.space@tenant.example</uri>`));
    assert.equal((await b.api('POST', '/accessQuery', `uri=sales.meeting&tenant=${tenant}`)).text, '<?xml version="1.0"?>\n<accessQuery/>');
    const bad = await b.api('POST', '/accessQuery', `uri=sales.meeting&tenant=${MISSING}`);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<tenantDoesNotExist\/>/);
  });

  test('no match is an empty answer; neither uri nor callId is a parameter error; query string works', async () => {
    assert.equal((await b.api('POST', '/accessQuery', 'uri=nobody')).text, '<?xml version="1.0"?>\n<accessQuery/>');
    const none = await b.api('POST', '/accessQuery', '');
    assert.equal(none.status, 400);
    assert.match(none.text, /<parameterError parameter="uri" error="missingParameter"\/>/);
    assert.match((await b.api('POST', '/accessQuery', 'callId=12x')).text, /<parameterError parameter="callId" error="invalidValue"\/>/);
    assert.match((await b.api('POST', '/accessQuery?uri=sales.meeting')).text, new RegExp(`<coSpace>${space}</coSpace>`));
    assert.equal((await b.api('GET', '/accessQuery')).status, 405);
  });
});
