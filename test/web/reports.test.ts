/** Reports pages against a real CDR collector holding the CDR guide's example flow. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CollectorApi } from '../../src/web/reports/collectorApi.ts';
import { reportsPart } from '../../src/web/reports/pages.ts';
import { PageRegistry } from '../../src/web/registry.ts';
import { browserProblem, launchBrowser, screenshot } from '../support/browser.ts';
import { at, body, recordsXml } from '../support/cdrXml.ts';
import { COLLECTOR_API_USER, GUIDE, guidePosts, startTestCollector, type TestCollector } from '../support/collector.ts';
import { startTestWeb, WebClient, type TestWeb } from '../support/web.ts';

describe('Reports pages', () => {
  let collector: TestCollector;
  let api: CollectorApi;
  let web: TestWeb;
  let client: WebClient;
  const range = 'from=2015-07-20&to=2015-07-26';
  before(async () => {
    collector = await startTestCollector('sqlite');
    for (const post of guidePosts()) assert.equal((await collector.post(post)).status, 200);
    api = new CollectorApi({ baseUrl: collector.url, ...COLLECTOR_API_USER });
    web = await startTestWeb('sqlite', { registry: new PageRegistry().add(reportsPart(api)) });
    await web.addUser('viewer', 'viewer');
    client = new WebClient(web.url);
    await client.login('viewer');
  });
  after(async () => {
    await web.close();
    await api.close();
    await collector.close();
  });

  test('usage per day and peak concurrency as SVG charts, disconnect reasons, quality and calls as tables', async () => {
    const page = await client.get(`/reports?${range}`);
    assert.equal(page.status, 200, page.text.slice(0, 500));
    assert.match(page.text, /<svg class="chart"[^>]*role="img" aria-label="Call leg minutes per day: 2015-07-20: 0 min;[^"]*2015-07-23: 0\.3 min;/);
    assert.match(page.text, /aria-label="Peak concurrent call legs per hour: peak 2 legs/);
    assert.match(page.text, /Highest: <strong>2<\/strong> concurrent call legs/);
    assert.match(page.text, /<caption>Call legs per disconnect reason/);
    assert.match(page.text, new RegExp(`<a href="/reports/calls/${GUIDE.call}">`));
    for (const table of ['usage', 'concurrency', 'disconnectReasons', 'quality', 'calls']) assert.match(page.text, new RegExp(`href="/reports/csv/${table}\\?${range.replace('&', '&amp;')}"`));
  });

  test('quarantined CDR posts are counted on Reports, listed, and shown escaped', async () => {
    const none = await client.get(`/reports?${range}`);
    assert.match(none.text, /None: every CDR post received could be stored/);
    const bad = '<records session="q1"><record type="callStart"><call id="x"><name><script>alert(1)</script></name></call></record></records>';
    assert.equal((await collector.post(bad)).status, 200);
    const page = await client.get(`/reports?${range}`);
    assert.match(page.text, /<strong>1<\/strong> CDR post could not be used and was kept aside\. <a href="\/reports\/quarantine">/);
    const list = await client.get('/reports/quarantine');
    assert.equal(list.status, 200);
    assert.match(list.text, /<caption>Quarantined posts \(1\), newest first<\/caption>/);
    const id = /<a href="\/reports\/quarantine\/(\d+)">/.exec(list.text)?.[1];
    assert.ok(id, list.text);
    const detail = await client.get(`/reports/quarantine/${id}`);
    assert.equal(detail.status, 200);
    assert.match(detail.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(detail.text, /<script>alert/);
    assert.equal((await client.get('/reports/quarantine/abc')).status, 404);
    assert.equal((await client.get('/reports/quarantine?offset=-1')).status, 400);
  });

  test('every table downloads as CSV', async () => {
    for (const table of ['usage', 'concurrency', 'disconnectReasons', 'quality', 'calls']) {
      const csv = await client.get(`/reports/csv/${table}?${range}`);
      assert.equal(csv.status, 200, table);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), new RegExp(`attachment; filename="${table}-2015-07-20-2015-07-26.csv"`));
      assert.ok(csv.text.split('\r\n').length >= 3, `${table} has a header and rows: ${csv.text}`);
    }
    const calls = await client.get(`/reports/csv/calls?${range}`);
    assert.match(calls.text, new RegExp(GUIDE.call));
  });

  test('a call\'s timeline with its legs', async () => {
    const page = await client.get(`/reports/calls/${GUIDE.call}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<caption>Call legs \(2\)/);
    assert.match(page.text, /<td>callStart<\/td>/);
    assert.match(page.text, /<td>callEnd<\/td>/);
    const legs = await client.get(`/reports/calls/${GUIDE.call}/csv?part=callLegs`);
    assert.match(legs.text, new RegExp(GUIDE.legA));
    assert.equal((await client.get('/reports/calls/00000000-0000-0000-0000-00000000dead')).status, 404);
    assert.equal((await client.get('/reports/calls/..%2F..%2Fstatus')).status, 404);
  });

  test('CSV downloads neutralise formulas from CDR text (the shared writer), numbers stay numbers', async () => {
    const t = Date.UTC(2015, 6, 24, 10);
    const records = [
      { type: 'callStart', time: at(t, 0), body: body.callStart('csv-call-1', { name: '=cmd|calc' }) },
      { type: 'callLegStart', time: at(t, 0), body: body.legStart('csv-leg-1', { displayName: '=HYPERLINK("http://evil.example","x")', call: 'csv-call-1' }) },
      { type: 'callLegEnd', time: at(t, 90), body: body.legEnd('csv-leg-1', { durationSeconds: 90 }) },
    ].map((r, i) => ({ ...r, correlatorIndex: i }));
    assert.equal((await collector.post(recordsXml('csv-session', records, 'csv-bridge'))).status, 200);
    const legs = await client.get('/reports/calls/csv-call-1/csv?part=callLegs');
    assert.equal(legs.status, 200);
    assert.match(legs.text, /"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)"/);
    assert.match(legs.text, /,90,/);
    const calls = await client.get(`/reports/csv/calls?${range}`);
    assert.match(calls.text, /^csv-call-1,'=cmd\|calc,/m);
  });

  test('bad ranges answer 400 with the field named; unknown tables 404', async () => {
    for (const q of ['from=yesterday', 'from=2015-07-26&to=2015-07-20', 'from=2000-01-01&to=2015-07-20']) {
      const res = await client.get(`/reports?${q}`);
      assert.equal(res.status, 400, q);
      assert.match(res.text, /role="alert"/);
    }
    assert.equal((await client.get('/reports/csv/secrets')).status, 404);
  });

  test('in Chromium: the Reports page renders its charts', { skip: browserProblem() }, async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${web.url}/login`);
      await page.getByLabel('Username').fill('viewer');
      await page.getByLabel('Password').fill('viewer-password!');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${web.url}/`);
      await page.goto(`${web.url}/reports?${range}`);
      assert.equal(await page.getByRole('img', { name: /Call leg minutes per day/ }).count(), 1);
      await screenshot(page, 'reports');
      await page.locator(`a[href="/reports/calls/${GUIDE.call}"]`).first().click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      await screenshot(page, 'call-timeline');
    } finally {
      await browser.close();
    }
  });
});
