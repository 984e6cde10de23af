/** Bridges pages against a real bridge over its CMS API. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CmsClient } from '../../src/clients/cms/client.ts';
import { bridgeClient } from '../../src/web/bridges/bridgeClient.ts';
import { bridgesPart, maskedUri } from '../../src/web/bridges/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

describe('Bridges pages', () => {
  let bridge: TestBridge;
  let web: TestWeb;
  let cms: CmsClient;
  let gone: CmsClient;
  before(async () => {
    bridge = await startTestBridge('sqlite', { tls: true, name: 'cb-one' });
    cms = bridgeClient({ baseUrl: bridge.bridge.httpsUrl ?? '', user: API_USER.user, password: API_USER.password, allowSelfSigned: true });
    gone = bridgeClient({ baseUrl: 'https://127.0.0.1:9', user: 'x', password: 'y', allowSelfSigned: true });
    web = await startTestWeb('sqlite', {
      registry: new PageRegistry().add(
        bridgesPart([
          {
            key: 'one',
            label: 'Bridge one',
            api: cms,
            deliveryStatus: () => bridge.bridge.ctx.cdrPipeline.deliveryStatus().map((d) => ({ id: d.id, delivered: d.delivered, backlog: d.backlog })),
          },
          { key: 'gone', label: 'Unreachable bridge', api: gone },
        ]),
      ),
    });
    await web.addUser('viewer', 'viewer');
    await web.addUser('booker', 'booker');
    await web.addUser('admin', 'admin');
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

  describe('CDR settings (Configure > CDR settings)', () => {
    const receivers = async (): Promise<string[]> => {
      const xml = await bridge.get('/system/cdrReceivers');
      const items = xml.cdrReceivers.cdrReceiver ?? [];
      return (Array.isArray(items) ? items : [items]).map((r: { uri?: string }) => r.uri ?? '');
    };

    test('an admin sets, changes and clears receiver URIs; the bridge\'s /system/cdrReceivers follows', async () => {
      const client = new WebClient(web.url);
      await client.login('admin');
      const empty = await client.get('/bridges/one/cdr');
      assert.equal(empty.status, 200);
      assert.equal((empty.text.match(/<label for="uri\d">Receiver URI \d<\/label>/g) ?? []).length, 4);

      let res = await client.post('/bridges/one/cdr', { uri1: 'http://127.0.0.1:9/cdr?system_id=cms1', uri2: 'https://collector.example/cdr', uri3: '', uri4: '' });
      assert.equal(res.status, 303);
      assert.deepEqual(await receivers(), ['http://127.0.0.1:9/cdr?system_id=cms1', 'https://collector.example/cdr']);
      const page = await client.get('/bridges/one/cdr');
      assert.match(page.text, /id="uri1" name="uri1" type="url" size="50" value="http:\/\/127\.0\.0\.1:9\/cdr\?system_id=cms1"/);
      assert.match(page.text, /<span class="state ok">delivering<\/span> 0 delivered, 0 waiting/);

      res = await client.post('/bridges/one/cdr', { uri1: 'http://127.0.0.1:9/other', uri2: '', uri3: '', uri4: '' });
      assert.equal(res.status, 303);
      assert.deepEqual(await receivers(), ['http://127.0.0.1:9/other']);
    });

    test('a bad URI re-renders the form with the error and changes nothing', async () => {
      const client = new WebClient(web.url);
      await client.login('admin');
      const before = await receivers();
      for (const bad of ['not a uri', 'ftp://x.example/cdr', `http://x.example/${'a'.repeat(300)}`]) {
        const res = await client.post('/bridges/one/cdr', { uri1: 'http://ok.example/', uri2: bad });
        assert.equal(res.status, 400, bad);
        assert.match(res.text, /role="alert"/);
        assert.match(res.text, /id="uri2" name="uri2"[^>]*aria-invalid="true"/);
      }
      assert.deepEqual(await receivers(), before);
    });

    test('a change the bridge refuses undoes the changes made before it: all receivers as they were, ids included', async () => {
      const client = new WebClient(web.url);
      await client.login('admin');
      assert.equal((await client.post('/bridges/one/cdr', { uri1: 'http://127.0.0.1:9/kept', uri2: '', uri3: '', uri4: '' })).status, 303);
      const before = await bridge.get('/system/cdrReceivers');
      // The page's own check passes a userinfo URI; the bridge refuses it after uri2 was already added
      // and while uri1 is to be cleared.
      const res = await client.post('/bridges/one/cdr', { uri1: '', uri2: 'http://127.0.0.1:9/new', uri3: 'http://user:pw@127.0.0.1:9/', uri4: '' });
      assert.equal(res.status, 400);
      assert.deepEqual(await bridge.get('/system/cdrReceivers'), before);
    });

    test('a viewer sees the settings read-only and cannot change them', async () => {
      const client = new WebClient(web.url);
      await client.login('viewer');
      const page = await client.get('/bridges/one/cdr');
      assert.match(page.text, /Only admins change CDR settings/);
      assert.match(page.text, /id="uri1" name="uri1" type="url" size="50" value="[^"]*" readonly/);
      const before = await receivers();
      assert.equal((await client.post('/bridges/one/cdr', { uri1: 'http://evil.example/' })).status, 403);
      assert.deepEqual(await receivers(), before);
    });

    test('roles that cannot edit never see an ingest token or any query value; admins edit the real URI', async () => {
      const secretUri = 'http://127.0.0.1:9/cdr/switchboard-up?token=tok-SECRET-42&system_id=cms1';
      const admin = new WebClient(web.url);
      await admin.login('admin');
      assert.equal((await admin.post('/bridges/one/cdr', { uri1: secretUri, uri2: '', uri3: '', uri4: '' })).status, 303);
      assert.deepEqual(await receivers(), [secretUri]);
      for (const role of ['viewer', 'booker']) {
        const client = new WebClient(web.url);
        await client.login(role);
        const page = await client.get('/bridges/one/cdr');
        assert.equal(page.status, 200, role);
        assert.doesNotMatch(page.text, /tok-SECRET-42|cms1/, role);
        assert.match(page.text, /id="uri1" name="uri1" type="url" size="50" value="http:\/\/127\.0\.0\.1:9\/cdr\/switchboard-up\?token=\*{8}&amp;system_id=\*{8}" readonly/, role);
      }
      const page = await admin.get('/bridges/one/cdr');
      assert.match(page.text, /id="uri1" name="uri1" type="url" size="50" value="http:\/\/127\.0\.0\.1:9\/cdr\/switchboard-up\?token=tok-SECRET-42&amp;system_id=cms1"/);
      // Saving the form unchanged keeps the URI as it is.
      assert.equal((await admin.post('/bridges/one/cdr', { uri1: secretUri, uri2: '', uri3: '', uri4: '' })).status, 303);
      assert.deepEqual(await receivers(), [secretUri]);
    });

    test('masking hides a userinfo password, query values and fragments, keeps the rest; an unparsable value is hidden whole', () => {
      assert.equal(maskedUri('https://cdr:pass-word-9@collector.example:8443/cdr?token=abc&x'), 'https://cdr:********@collector.example:8443/cdr?token=********&x=********');
      assert.equal(maskedUri('http://collector.example/cdr#secret'), 'http://collector.example/cdr#********');
      assert.equal(maskedUri('http://collector.example/cdr'), 'http://collector.example/cdr');
      assert.equal(maskedUri('not a uri ?token=abc'), '********');
      assert.equal(maskedUri(''), '');
    });
  });
});
