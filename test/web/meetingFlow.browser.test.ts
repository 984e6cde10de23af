/**
 * The walk-through, in Chromium against the whole system as `switchboard up` starts it, with
 * time on a FakeClock so "a minute" passes at once: log in, book a meeting starting in a minute with
 * two dial-out participants, watch it go live with both connected, extend it, end it, then find its
 * call in Reports with its legs. Screenshots of each page go to test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { FakeClock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { startSystem, type RunningSystem } from '../../src/up.ts';
import { browserProblem, launchBrowser, logInAsFirstRunAdmin, screenshot, type TestBrowser } from '../support/browser.ts';

const skip = browserProblem();
const TITLE = 'Quarterly review';

describe('a booked meeting from form to report, in Chromium', { skip }, () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 2, 9, 40, 0));
  let dataDir: string;
  let system: RunningSystem;
  let browser: TestBrowser;
  let page: Page;
  let startMs = 0;
  let bookingUrl = '';

  /** Moves the fake clock in small steps (letting real I/O run between them) until `pending` settles. */
  async function drive<R>(pending: Promise<R>, stepMs = 250): Promise<R> {
    const state = { done: false };
    const settled = pending.finally(() => {
      state.done = true;
    });
    for (let i = 0; i < 4000 && !state.done; i++) {
      await clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return settled;
  }

  /** Advances the fake clock by `ms` in steps, running the scheduler's due actions on the way. */
  async function pass(ms: number): Promise<void> {
    const target = clock.now() + ms;
    while (clock.now() < target) {
      await clock.advance(Math.min(250, target - clock.now()));
      await system.scheduler.runner.runDue();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-flow-'));
    system = await drive(startSystem({ dataDir, listen: { host: '127.0.0.1', port: 0 }, logger: silentLogger(), out: () => undefined, clock }));
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  });
  after(async () => {
    await browser.close();
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('log in and book a meeting starting in a minute with two dial-outs', async () => {
    await logInAsFirstRunAdmin(page, system);

    const start = DateTime.fromMillis(clock.now(), { zone: 'UTC' }).startOf('minute').plus({ minutes: 1 });
    startMs = start.toMillis();
    await page.getByRole('link', { name: 'Bookings' }).first().click();
    await page.getByRole('link', { name: 'Book a meeting' }).click();
    await page.getByLabel('Title', { exact: true }).fill(TITLE);
    await page.getByLabel('Organizer e-mail').fill('admin@example.com');
    await page.getByLabel('Date', { exact: true }).fill(start.toISODate() ?? '');
    await page.getByLabel('Starts', { exact: true }).fill(start.toFormat('HH:mm'));
    await page.getByLabel('Ends', { exact: true }).fill(start.plus({ minutes: 30 }).toFormat('HH:mm'));
    await page.getByLabel('Time zone').selectOption('UTC');
    await page.getByLabel('PIN (digits, optional)').fill('2468');
    await page.getByLabel(/^Participants to dial out to/).fill('Alice <alice@example.com>\nbob@example.com');
    await page.getByRole('button', { name: 'Book' }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+\?notice=created$/);
    bookingUrl = page.url().replace(/\?.*$/, '');
    assert.equal(await page.locator('h1').textContent(), TITLE);
    assert.equal(await page.locator('#occurrence-1 .state').textContent(), 'scheduled');
    await screenshot(page, 'flow-1-booked');
  });

  test('a minute later it is live with both dial-outs connected', async () => {
    await pass(startMs - clock.now());
    await pass(3_000); // the demo endpoints answer after 1.5 s
    await page.reload();
    assert.equal(await page.locator('#occurrence-1 .state').textContent(), 'live');
    assert.match((await page.locator('#occurrence-1').textContent()) ?? '', /2 of 2 dial-outs connected/);
    await screenshot(page, 'flow-2-live-booking');

    await page.getByRole('link', { name: 'Live' }).first().click();
    await page.waitForURL(/\/live$/);
    await page.getByRole('heading', { name: new RegExp(TITLE) }).waitFor();
    await page.getByText('Participants (2 connected of 2)').waitFor({ timeout: 20_000 });
    await screenshot(page, 'flow-3-live');

    // The Bridges page shows the scheduler's view: range, provisioning, the space this meeting holds.
    await page.getByRole('link', { name: 'Bridges' }).first().click();
    await page.waitForURL(/\/bridges$/);
    const facts = (await page.locator('dl.facts').last().textContent()) ?? '';
    assert.match(facts, /Conference IDs\s*7000–7099/);
    assert.match(facts, /Provisioning\s*provisioned/);
    assert.match(facts, /100 provisioned, 1 in use/);
    await screenshot(page, 'flow-3b-bridges');
  });

  test('extend it by 15 minutes, then end it now', async () => {
    await page.goto(bookingUrl);
    const end = DateTime.fromMillis(startMs, { zone: 'UTC' }).plus({ minutes: 45 }).toFormat('HH:mm');
    await page.getByLabel('Extend occurrence 1 by').selectOption('15');
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+/);
    assert.match((await page.locator('#occurrence-1').textContent()) ?? '', new RegExp(`–${end}`));
    await screenshot(page, 'flow-4-extended');

    await page.getByRole('button', { name: 'End now' }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+/);
    await pass(2_000);
    await page.reload();
    assert.equal(await page.locator('#occurrence-1 .state').textContent(), 'ended');
    await screenshot(page, 'flow-5-ended');
  });

  test('its call is in Reports, with both legs on its timeline', async () => {
    await page.getByRole('link', { name: 'Reports' }).first().click();
    await page.waitForURL(/\/reports/);
    // The bridge pushes the call's CDRs to the collector as the meeting ends; reload until they are in.
    for (let i = 0; i < 80 && (await page.getByRole('link', { name: TITLE }).count()) === 0; i++) {
      await pass(250);
      await page.reload();
    }
    await page.getByRole('link', { name: TITLE }).first().click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    assert.match((await page.getByRole('table').first().locator('caption').textContent()) ?? '', /Call legs \(2\)/);
    const legs = (await page.getByRole('table').first().textContent()) ?? '';
    assert.match(legs, /alice@example\.com/);
    assert.match(legs, /bob@example\.com/);
    await screenshot(page, 'flow-6-report');
  });
});
