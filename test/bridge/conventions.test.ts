import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestBridge, API_USER, type TestBridge } from '../support/bridge.ts';
import { http } from '../support/http.ts';

describe('CMS API conventions', () => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge('sqlite', { tls: true });
  });
  after(async () => {
    await b.close();
  });

  test('missing or wrong credentials: 401, realm "acano", empty body', async () => {
    for (const auth of [undefined, { user: 'admin', password: 'wrong' }, { user: 'nobody', password: API_USER.password }]) {
      const res = await http('GET', `${b.bridge.httpUrl}/api/v1/coSpaces`, { auth });
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="acano"');
      assert.equal(res.text, '');
    }
    const garbage = await http('GET', `${b.bridge.httpUrl}/api/v1/coSpaces`, { headers: { authorization: 'Basic !!!' } });
    assert.equal(garbage.status, 401);
  });

  test('the HTTPS listener serves the same API with a self-signed certificate', async () => {
    assert.ok(b.bridge.httpsUrl?.startsWith('https://'));
    const res = await http('GET', `${b.bridge.httpsUrl}/api/v1/system/status`, { auth: API_USER });
    assert.equal(res.status, 200);
    assert.match(res.text, /<softwareVersion>/);
  });

  test('path segments are case-insensitive', async () => {
    const id = await b.create('/cospaces', 'name=Case');
    for (const path of [`/coSpaces/${id}`, `/COSPACES/${id}`, `/cospaces/${id.toUpperCase()}`]) {
      assert.equal((await b.api('GET', path)).status, 200, path);
    }
    assert.equal((await b.api('GET', '/SYSTEM/STATUS')).status, 200);
  });

  test('bodies parse as form data whatever the Content-Type', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'x-www-form-urlencoded', 'text/plain', 'www-formurl-encoded', null]) {
      const res = await b.api('POST', '/coSpaces', `name=ct-${String(contentType)}`, contentType);
      assert.equal(res.status, 200, String(contentType));
    }
  });

  test('parameter names are case-insensitive in bodies', async () => {
    const id = await b.create('/coSpaces', 'NAME=Upper&DefaultLayout=allEqual&nonmemberaccess=false');
    const xml = await b.get(`/coSpaces/${id}`);
    assert.equal(xml.coSpace.name, 'Upper');
    assert.equal(xml.coSpace.defaultLayout, 'allEqual');
    assert.equal(xml.coSpace.nonMemberAccess, 'false');
  });

  test('unknown paths answer unrecognisedObject in both spellings', async () => {
    const res = await b.api('GET', '/noSuchObject');
    assert.equal(res.status, 404);
    assert.match(res.text, /<failureDetails><unrecognisedObject\/><unrecognizedObject\/><\/failureDetails>/);
  });

  test('malformed percent-encoding and over-large bodies are refused cleanly', async () => {
    const bad = await b.api('POST', '/coSpaces', 'name=%E0%A4%A');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<parameterError parameter="name" error="invalidValue"\/>/);
    const big = await b.api('POST', '/coSpaces', `name=${'a'.repeat(300 * 1024)}`);
    assert.equal(big.status, 413);
    assert.match(big.text, /<failureDetails><parameterError/);
  });

  test('a method the object does not support answers invalidOperation', async () => {
    const res = await b.api('POST', '/system/status', 'x=1');
    assert.equal(res.status, 405);
    assert.match(res.text, /<invalidOperation\/>/);
  });

  test('system/status has the fields TMS reads', async () => {
    const xml = await b.get('/system/status');
    for (const field of ['softwareVersion', 'uptimeSeconds', 'cdrTime', 'clusterEnabled', 'cdrCorrelatorIndex', 'callLegsActive', 'callLegsMaxActive', 'callLegsCompleted']) {
      assert.ok(field in xml.status, field);
    }
    assert.match(String(xml.status.cdrTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(xml.status.clusterEnabled, 'false');
  });
});
