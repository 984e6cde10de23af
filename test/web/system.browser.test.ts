/**
 * The whole system as `switchboard up` starts it, driven in Chromium: log in with the first-run admin
 * password, walk every page, save a screenshot of each under test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { silentLogger } from '../../src/shared/logger.ts';
import { bridgeClient } from '../../src/web/bridges/bridgeClient.ts';
import { startSystem, type RunningSystem } from '../../src/up.ts';
import { browserProblem, launchBrowser, logInAsFirstRunAdmin, screenshot, type TestBrowser } from '../support/browser.ts';

const skip = browserProblem();

describe('the whole system in Chromium', { skip }, () => {
  let dataDir: string;
  let system: RunningSystem;
  let browser: TestBrowser;
  let page: Page;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-system-'));
    system = await startSystem({ dataDir, listen: { host: '127.0.0.1', port: 0 }, logger: silentLogger(), out: () => undefined });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  });
  after(async () => {
    await browser.close();
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('log in as the first-run admin', async () => {
    await logInAsFirstRunAdmin(page, system);
    assert.equal(await page.locator('h1').textContent(), 'Overview');
    await screenshot(page, 'overview');
  });

  test('Bridges: our own bridge is reachable, its cluster and spaces listed', async () => {
    await page.getByRole('link', { name: 'Bridges' }).first().click();
    await page.waitForURL(/\/bridges$/);
    assert.equal(await page.locator('.state.ok', { hasText: 'reachable' }).count(), 1);
    assert.equal(await page.getByRole('rowheader', { name: 'switchboard-local' }).count(), 1);
    await screenshot(page, 'bridges');
  });

  test('Bookings: book a meeting through the form; it shows on its page and the calendar', async () => {
    await page.getByRole('link', { name: 'Bookings' }).first().click();
    await page.waitForURL(/\/bookings$/);
    await page.getByRole('link', { name: 'Book a meeting' }).click();
    await page.getByLabel('Title').fill('Browser booking');
    await page.getByLabel(/^Participants to dial out to/).fill('Alice <alice@example.com>\nbob@example.com');
    await page.getByLabel('How often').selectOption('weekly');
    await page.getByLabel(/Ends after this many meetings/).fill('3');
    await screenshot(page, 'booking-form');
    await page.getByRole('button', { name: 'Book' }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+\?notice=created$/);
    assert.equal(await page.locator('h1').textContent(), 'Browser booking');
    assert.equal(await page.locator('tbody tr').count(), 3);
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /every week on \w+ for 3 times/);
    await page.getByRole('link', { name: 'Back to the calendar' }).click();
    await page.getByRole('link', { name: /Browser booking/ }).first().waitFor();
    await screenshot(page, 'bookings');
  });

  test('Bridges > CDR settings opens', async () => {
    await page.getByRole('link', { name: 'Bridges' }).first().click();
    await page.getByRole('link', { name: 'CDR settings' }).click();
    await page.waitForURL(/\/bridges\/local\/cdr$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /^CDR settings/);
    await screenshot(page, 'cdr-settings');
  });

  test('Live: a call on the bridge with two simulated dial-outs shows both connecting, without reload', async () => {
    const cms = bridgeClient({ ...system.bridgeApi, allowSelfSigned: true });
    try {
      const call = await cms.create('/calls', { name: 'Demo meeting' });
      for (const remoteParty of ['alice@example.com', 'bob@example.com']) await cms.create(`/calls/${call}/callLegs`, { remoteParty });
      await page.getByRole('link', { name: 'Live' }).first().click();
      await page.waitForURL(/\/live$/);
      await page.getByRole('heading', { name: /Demo meeting/ }).waitFor();
      // The simulator's demo endpoints answer after 1.5 s; the page's poll picks it up.
      await page.getByText('Participants (2 connected of 2)').waitFor({ timeout: 20_000 });
      await screenshot(page, 'live-system');

      // The meeting ends; the bridge pushes its CDRs to the collector; Reports shows the call.
      await cms.remove(`/calls/${call}`);
      await page.getByRole('link', { name: 'Reports' }).first().click();
      await page.waitForURL(/\/reports$/);
      for (let i = 0; i < 40 && (await page.getByRole('link', { name: 'Demo meeting' }).count()) === 0; i++) {
        await page.waitForTimeout(250);
        await page.reload();
      }
      await page.getByRole('link', { name: 'Demo meeting' }).first().click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      assert.match((await page.getByRole('table').first().locator('caption').textContent()) ?? '', /Call legs \(2\)/);
      await screenshot(page, 'call-timeline');
      await page.goBack();
      await screenshot(page, 'reports');
    } finally {
      await cms.close();
    }
  });
});
