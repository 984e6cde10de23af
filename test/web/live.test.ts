/** Live page against a real bridge with its call engine on a FakeClock: states, mute, drop, dial-out. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import type { CmsClient } from '../../src/clients/cms/client.ts';
import { bridgeClient } from '../../src/web/bridges/bridgeClient.ts';
import { livePart } from '../../src/web/bridges/live.ts';
import type { BridgeConnection } from '../../src/web/bridges/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { browserProblem, launchBrowser, screenshot, type TestBrowser } from '../support/browser.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

describe('Live page', () => {
  let bridge: TestBridge;
  let clock: FakeClock;
  let web: TestWeb;
  let cms: CmsClient;
  let call: string;
  before(async () => {
    clock = new FakeClock();
    bridge = await startTestBridge('sqlite', { clock, name: 'cb-live' });
    cms = bridgeClient({ baseUrl: bridge.bridge.httpUrl ?? '', user: API_USER.user, password: API_USER.password, allowSelfSigned: false });
    const bridges: BridgeConnection[] = [{ key: 'b1', label: 'Bridge one', api: cms }];
    web = await startTestWeb('sqlite', { registry: new PageRegistry().add(livePart(bridges)) });
    await web.addUser('viewer', 'viewer');
    await web.addUser('booker', 'booker');
    await bridge.create('/outboundDialPlanRules', 'domain=*&priority=1');
    call = await bridge.create('/calls', 'name=Weekly%20<sync>');
  });
  after(async () => {
    await web.close();
    await cms.close();
    await bridge.close();
  });

  test('no meetings: says so', async () => {
    const b = await startTestBridge('sqlite', { name: 'cb-empty' });
    const api = bridgeClient({ baseUrl: b.bridge.httpUrl ?? '', user: API_USER.user, password: API_USER.password, allowSelfSigned: false });
    const w = await startTestWeb('sqlite', { registry: new PageRegistry().add(livePart([{ key: 'e', label: 'Empty', api }])) });
    try {
      await w.addUser('viewer', 'viewer');
      const client = new WebClient(w.url);
      await client.login('viewer');
      assert.match((await client.get('/live')).text, /No meetings in progress on Empty\./);
    } finally {
      await w.close();
      await api.close();
      await b.close();
    }
  });

  test('a booker adds a dial-out; its leg goes ringing → connected as the bridge reports; the fragment polls', async () => {
    const client = new WebClient(web.url);
    await client.login('booker');
    const res = await client.post(`/live/b1/calls/${call}/dialOut`, { remoteParty: 'alice@example.com' });
    assert.equal(res.status, 303);
    await clock.advance(100);
    let page = await client.get('/live');
    assert.match(page.text, /<h2 id="call-[^"]+">Weekly &lt;sync&gt; <span class="muted">· Bridge one<\/span><\/h2>/);
    assert.match(page.text, /alice@example.com<\/th>\s*<td><span class="state warn">ringing<\/span>/);
    assert.match(page.text, /hx-get="\/live\?fragment=1" hx-trigger="every 2s"/);
    await clock.advance(1000);
    const fragment = await client.get('/live?fragment=1', { 'hx-request': 'true' });
    assert.doesNotMatch(fragment.text, /<html/);
    assert.match(fragment.text, /<span class="state ok">connected<\/span>/);
    assert.match(fragment.text, /Participants \(1 connected of 1\)/);

    const leg = /id="leg-([0-9a-f-]+)"/.exec(fragment.text)?.[1] ?? '';
    assert.equal((await client.post(`/live/b1/callLegs/${leg}/mute`, { mute: 'true' })).status, 303);
    assert.equal((await bridge.get(`/callLegs/${leg}`)).callLeg.configuration.rxAudioMute, 'true');
    page = await client.get('/live');
    assert.match(page.text, /Unmute alice@example.com/);
    assert.equal((await client.post(`/live/b1/callLegs/${leg}/drop`)).status, 303);
    assert.equal((await bridge.api('GET', `/callLegs/${leg}`)).status, 404);
  });

  test('bad dial-out input and unknown legs answer 4xx with a readable error; nothing dialled', async () => {
    const client = new WebClient(web.url);
    await client.login('booker');
    const before = (await bridge.get(`/calls/${call}/callLegs`)).callLegs['@total'];
    const blank = await client.post(`/live/b1/calls/${call}/dialOut`, { remoteParty: 'has space' });
    assert.equal(blank.status, 400);
    assert.match(blank.text, /<div id="live"[^>]*>\s*<p class="error" role="alert">Give the address to dial/);
    const gone = await client.post('/live/b1/callLegs/00000000-0000-0000-0000-000000000000/drop');
    assert.equal(gone.status, 400);
    assert.match(gone.text, /The bridge refused: callLegDoesNotExist\./);
    const noCall = await client.post('/live/b1/calls/00000000-0000-0000-0000-000000000000/dialOut', { remoteParty: 'bob@example.com' });
    assert.ok(noCall.status >= 400, String(noCall.status));
    assert.equal((await bridge.get(`/calls/${call}/callLegs`)).callLegs['@total'], before);
  });

  test('a viewer sees the meeting but has no actions and cannot act', async () => {
    const client = new WebClient(web.url);
    await client.login('viewer');
    const page = await client.get('/live');
    assert.doesNotMatch(page.text, /Add a dial-out|>Drop |>Mute /);
    assert.equal((await client.post(`/live/b1/calls/${call}/dialOut`, { remoteParty: 'eve@example.com' })).status, 403);
  });

  describe('in Chromium', { skip: browserProblem() }, () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser.close();
    });

    test('leg states update without reload; dial-out and mute through htmx', async () => {
      const page = await browser.newPage();
      await page.goto(`${web.url}/login`);
      await page.getByLabel('Username').fill('booker');
      await page.getByLabel('Password').fill('booker-password!');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${web.url}/`);
      await page.goto(`${web.url}/live`);
      await page.getByLabel(/Add a dial-out/).fill('carol@example.com');
      await page.getByRole('button', { name: 'Dial' }).click();
      await page.getByRole('rowheader', { name: 'carol@example.com' }).waitFor();
      assert.equal(await page.getByLabel(/Add a dial-out/).inputValue(), '', 'the field is cleared after dialling');
      assert.equal(await page.locator('tr', { hasText: 'carol@example.com' }).locator('.state').first().textContent(), 'initial');
      let navigations = 0;
      page.on('framenavigated', () => navigations++);
      await page.getByLabel(/Add a dial-out/).fill('dave@exa');
      await clock.advance(1100); // the endpoint answers; the next poll shows it without a reload
      await page.locator('tr', { hasText: 'carol@example.com' }).locator('.state.ok', { hasText: 'connected' }).waitFor({ timeout: 10_000 });
      assert.equal(await page.getByLabel(/Add a dial-out/).inputValue(), 'dave@exa', 'typing survives the polls');
      await page.getByRole('button', { name: 'Mute carol@example.com' }).click();
      await page.getByRole('button', { name: 'Unmute carol@example.com' }).waitFor();
      assert.equal(navigations, 0, 'no page reloads');
      await screenshot(page, 'live');
      await page.close();
    });
  });
});
