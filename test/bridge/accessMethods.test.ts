import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { parseXml } from '../support/http.ts';

const MISSING = '00000000-0000-0000-0000-000000000000';

forEachDialect('coSpace access methods', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  test('POST creates with the nested Location; GET one shows every field; numAccessMethods follows', async () => {
    const space = await b.create('/coSpaces', 'name=AM&uri=am.space&callId=111000');
    const leg = await b.create('/callLegProfiles', 'needsActivation=true');
    const res = await b.api('POST', `/coSpaces/${space}/accessMethods`, `uri=AM1.Space&callId=111111&passcode=1234&name=Guests&callLegProfile=${leg}&scope=private&importance=5`);
    assert.equal(res.status, 200, res.text);
    const location = String(res.headers['location']);
    assert.match(location, new RegExp(`^/api/v1/coSpaces/${space}/accessMethods/[0-9a-f-]{36}$`));
    const id = location.split('/').at(-1) ?? '';
    const detail = await b.get(`/coSpaces/${space}/accessMethods/${id}`);
    assert.equal(detail.accessMethod.uri, 'am1.space');
    assert.equal(detail.accessMethod.callId, '111111');
    assert.equal(detail.accessMethod.passcode, '1234');
    assert.equal(detail.accessMethod.name, 'Guests');
    assert.equal(detail.accessMethod.callLegProfile, leg);
    assert.equal(detail.accessMethod.scope, 'private');
    assert.equal(detail.accessMethod.importance, '5');
    assert.match(String(detail.accessMethod.secret), /^[A-Za-z0-9_-]{22}$/, 'a secret is chosen when the method has a callId');
    assert.equal((await b.get(`/coSpaces/${space}`)).coSpace.numAccessMethods, '1');
    const list = await b.api('GET', `/coSpaces/${space}/accessMethods`);
    assert.match(list.text, new RegExp(`<accessMethods total="1"><accessMethod id="${id}"><uri>am1.space</uri><callId>111111</callId><passcode>1234</passcode><callLegProfile>${leg}</callLegProfile></accessMethod></accessMethods>`));
    assert.equal((await b.api('DELETE', `/coSpaces/${space}/accessMethods/${id}`)).status, 200);
    assert.equal((await b.get(`/coSpaces/${space}`)).coSpace.numAccessMethods, '0');
  });

  test('PUT changes only what it names; empty unsets; regenerateSecret only on PUT', async () => {
    const space = await b.create('/coSpaces', 'name=Put');
    const id = await b.create(`/coSpaces/${space}/accessMethods`, 'uri=put.am&callId=222222&passcode=9&secret=fixed-secret');
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods/${id}`)).accessMethod.secret, 'fixed-secret');
    assert.equal((await b.api('PUT', `/coSpaces/${space}/accessMethods/${id}`, 'passcode=&name=N')).status, 200);
    let xml = await b.get(`/coSpaces/${space}/accessMethods/${id}`);
    assert.equal(xml.accessMethod.uri, 'put.am');
    assert.equal(xml.accessMethod.passcode, '', 'unset passcode shows as <passcode/>');
    assert.equal(xml.accessMethod.name, 'N');
    await b.api('PUT', `/coSpaces/${space}/accessMethods/${id}`, 'regenerateSecret=true');
    xml = await b.get(`/coSpaces/${space}/accessMethods/${id}`);
    assert.notEqual(xml.accessMethod.secret, 'fixed-secret');
    const post = await b.api('POST', `/coSpaces/${space}/accessMethods`, 'regenerateSecret=true');
    assert.match(post.text, /<parameterError parameter="regenerateSecret" error="unrecognisedParameter"\/>/);
  });

  test('uri and callId clash with other coSpaces and their access methods', async () => {
    const other = await b.create('/coSpaces', 'name=Other&uri=taken.uri&callId=333333');
    await b.create(`/coSpaces/${other}/accessMethods`, 'uri=taken.am&callId=333334');
    const space = await b.create('/coSpaces', 'name=Mine');
    for (const [body, reason] of [
      ['uri=TAKEN.URI', 'duplicateCoSpaceUri'],
      ['uri=taken.am', 'duplicateCoSpaceUri'],
      ['callId=333333', 'duplicateCoSpaceId'],
      ['callId=333334', 'duplicateCoSpaceId'],
    ] as const) {
      const res = await b.api('POST', `/coSpaces/${space}/accessMethods`, body);
      assert.equal(res.status, 400, body);
      assert.match(res.text, new RegExp(`<failureDetails><${reason}/></failureDetails>`), body);
    }
    // The access method's uri now belongs to this coSpace's namespace: another coSpace cannot take it.
    await b.create(`/coSpaces/${space}/accessMethods`, 'uri=mine.am&callId=444444');
    assert.match((await b.api('POST', '/coSpaces', 'uri=mine.am')).text, /<duplicateCoSpaceUri\/>/);
    assert.match((await b.api('PUT', `/coSpaces/${other}`, 'callId=444444')).text, /<duplicateCoSpaceId\/>/);
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods`)).accessMethods['@total'], '1');
  });

  test('inside one coSpace: same uri / callId needs a different passcode', async () => {
    const space = await b.create('/coSpaces', 'name=Lobby&uri=lobby&callId=555555&passcode=1111');
    for (const [body, reason] of [
      ['uri=lobby&passcode=1111', 'duplicateCoSpaceUriPasscode'],
      ['callId=555555&passcode=1111', 'duplicateCoSpaceIdPasscode'],
    ] as const) {
      const res = await b.api('POST', `/coSpaces/${space}/accessMethods`, body);
      assert.equal(res.status, 400, body);
      assert.match(res.text, new RegExp(`<failureDetails><${reason}/></failureDetails>`));
    }
    const guest = await b.create(`/coSpaces/${space}/accessMethods`, 'uri=lobby&callId=555555&passcode=2222');
    const again = await b.api('POST', `/coSpaces/${space}/accessMethods`, 'uri=lobby&passcode=2222');
    assert.match(again.text, /<duplicateCoSpaceUriPasscode\/>/);
    const host = await b.create(`/coSpaces/${space}/accessMethods`, 'uri=lobby&passcode=3333');
    const put = await b.api('PUT', `/coSpaces/${space}/accessMethods/${host}`, 'passcode=2222&name=Clash');
    assert.match(put.text, /<duplicateCoSpaceUriPasscode\/>/);
    const unchanged = await b.get(`/coSpaces/${space}/accessMethods/${host}`);
    assert.equal(unchanged.accessMethod.passcode, '3333');
    assert.equal(unchanged.accessMethod.name, undefined);
    assert.equal((await b.api('PUT', `/coSpaces/${space}/accessMethods/${guest}`, 'passcode=2222')).status, 200, 'a method does not clash with itself');
  });

  test('parameter and reference errors; unknown coSpace or access method ids are 404', async () => {
    const space = await b.create('/coSpaces', 'name=Errors');
    for (const [body, expected] of [
      ['uri=a@b', /<parameterError parameter="uri" error="invalidValue"\/>/],
      ['callId=12a', /<parameterError parameter="callId" error="invalidValue"\/>/],
      ['scope=everyone', /<parameterError parameter="scope" error="invalidValue"\/>/],
      ['importance=2147483648', /<parameterError parameter="importance" error="invalidValue"\/>/],
      [`callLegProfile=${MISSING}`, /<callLegProfileDoesNotExist\/>/],
      [`dialInSecurityProfile=${MISSING}`, /<dialInSecurityProfileDoesNotExist\/>/],
    ] as const) {
      const res = await b.api('POST', `/coSpaces/${space}/accessMethods`, body);
      assert.equal(res.status, 400, body);
      assert.match(res.text, expected, body);
    }
    assert.equal((await b.api('POST', `/coSpaces/${space}/accessMethods`, 'scope=member&importance=2147483647')).status, 200);
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods`)).accessMethods['@total'], '1');
    for (const method of ['GET', 'POST']) {
      const res = await b.api(method, `/coSpaces/${MISSING}/accessMethods`, method === 'POST' ? 'uri=x' : undefined);
      assert.equal(res.status, 404, method);
      assert.match(res.text, /<coSpaceDoesNotExist\/>/);
    }
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await b.api(method, `/coSpaces/${space}/accessMethods/${MISSING}`, method === 'PUT' ? 'name=x' : undefined);
      assert.equal(res.status, 404, method);
      assert.equal(res.text, '<?xml version="1.0"?>\n<failureDetails><accessMethodDoesNotExist/></failureDetails>');
    }
  });

  test('passcodeTooShort follows the effective dial-in security profile', async () => {
    const strict = await b.create('/dialInSecurityProfiles', 'name=Six&minPasscodeLength=6');
    const lax = await b.create('/dialInSecurityProfiles', 'name=Two&minPasscodeLength=2');
    const space = await b.create('/coSpaces', `name=Secure&dialInSecurityProfile=${strict}`);
    const short = await b.api('POST', `/coSpaces/${space}/accessMethods`, 'uri=secure.am&passcode=123');
    assert.equal(short.status, 400);
    assert.match(short.text, /<failureDetails><passcodeTooShort\/><\/failureDetails>/);
    assert.equal((await b.api('POST', `/coSpaces/${space}/accessMethods`, 'uri=secure.am&passcode=123456')).status, 200);
    assert.equal((await b.api('POST', `/coSpaces/${space}/accessMethods`, `uri=secure.am2&passcode=123&dialInSecurityProfile=${lax}`)).status, 200, "the method's own profile wins");
    // Through the tenant, and through system/profiles.
    const tenant = await b.create('/tenants', `name=T&dialInSecurityProfile=${strict}`);
    const tenantSpace = await b.create('/coSpaces', `name=TS&tenant=${tenant}`);
    assert.match((await b.api('POST', `/coSpaces/${tenantSpace}/accessMethods`, 'passcode=12')).text, /<passcodeTooShort\/>/);
    const plain = await b.create('/coSpaces', 'name=Plain');
    assert.equal((await b.api('POST', `/coSpaces/${plain}/accessMethods`, 'passcode=1')).status, 200);
    await b.api('PUT', '/system/profiles', `dialInSecurityProfile=${lax}`);
    assert.match((await b.api('POST', `/coSpaces/${plain}/accessMethods`, 'passcode=9')).text, /<passcodeTooShort\/>/);
    await b.api('PUT', '/system/profiles', 'dialInSecurityProfile=');
  });

  test('paging (cap 20), filter and callLegProfileFilter', async () => {
    const space = await b.create('/coSpaces', 'name=Many');
    const leg = await b.create('/callLegProfiles', 'name=L');
    for (let i = 1; i <= 23; i++) {
      await b.create(`/coSpaces/${space}/accessMethods`, `uri=many.${i}&name=Method%20${i}${i % 10 === 0 ? `&callLegProfile=${leg}` : ''}`);
    }
    const page = await b.get(`/coSpaces/${space}/accessMethods?limit=100`);
    assert.equal(page.accessMethods['@total'], '23');
    assert.equal(page.accessMethods.accessMethod.length, 20);
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods?offset=20`)).accessMethods.accessMethod.length, 3);
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods?filter=MANY.2`)).accessMethods['@total'], '5'); // 2, 20..23
    assert.equal((await b.get(`/coSpaces/${space}/accessMethods?filter=method%201`)).accessMethods['@total'], '11'); // 1, 10..19
    const byLeg = parseXml((await b.api('GET', `/coSpaces/${space}/accessMethods?callLegProfileFilter=${leg}`)).text);
    assert.equal(byLeg.accessMethods['@total'], '2');
  });

  test('deleting the coSpace removes its access methods and frees their uris', async () => {
    const space = await b.create('/coSpaces', 'name=Doomed');
    await b.create(`/coSpaces/${space}/accessMethods`, 'uri=doomed.am&callId=999111');
    assert.equal((await b.api('DELETE', `/coSpaces/${space}`)).status, 200);
    assert.equal((await b.api('POST', '/coSpaces', 'uri=doomed.am&callId=999111')).status, 200);
  });
});
