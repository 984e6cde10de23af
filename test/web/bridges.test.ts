/** Bridges pages against a real bridge over its CMS API. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CmsApi } from '../../src/web/bridges/cmsApi.ts';
import { bridgesPart } from '../../src/web/bridges/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

describe('Bridges pages', () => {
  let bridge: TestBridge;
  let web: TestWeb;
  let cms: CmsApi;
  let gone: CmsApi;
  before(async () => {
    bridge = await startTestBridge('sqlite', { tls: true, name: 'cb-one' });
    cms = new CmsApi({ baseUrl: bridge.bridge.httpsUrl ?? '', user: API_USER.user, password: API_USER.password, allowSelfSigned: true });
    gone = new CmsApi({ baseUrl: 'https://127.0.0.1:9', user: 'x', password: 'y', allowSelfSigned: true });
    web = await startTestWeb('sqlite', {
      registry: new PageRegistry().add(
        bridgesPart([
          { key: 'one', label: 'Bridge one', api: cms },
          { key: 'gone', label: 'Unreachable bridge', api: gone },
        ]),
      ),
    });
    await web.addUser('viewer', 'viewer');
  });
  after(async () => {
    await web.close();
    await cms.close();
    await gone.close();
    await bridge.close();
  });

  test('status, cluster call bridges and spaces come from the CMS API, escaped; an unreachable bridge is shown as such', async () => {
    await bridge.create('/coSpaces', 'name=<b>Board</b>&uri=board.room&callId=4711');
    const client = new WebClient(web.url);
    await client.login('viewer');
    const page = await client.get('/bridges');
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>Software version<\/dt><dd>3\.8\.0<\/dd>/);
    assert.match(page.text, /<caption>Cluster call bridges \(1\)<\/caption>[\s\S]*<th scope="row">cb-one<\/th>/);
    assert.match(page.text, /<caption>Spaces \(1\)<\/caption>/);
    assert.match(page.text, /<th scope="row">&lt;b&gt;Board&lt;\/b&gt;<\/th><td>board.room<\/td><td>4711<\/td>/);
    assert.match(page.text, /<h2 id="bridge-gone">Unreachable bridge<\/h2>[\s\S]*<span class="state bad">unreachable<\/span> bridge: no answer from https:\/\/127\.0\.0\.1:9/);
  });

  test('an unknown bridge key is a 404 page', async () => {
    const client = new WebClient(web.url);
    await client.login('viewer');
    assert.equal((await client.get('/bridges/nope/cdr')).status, 404);
  });
});
