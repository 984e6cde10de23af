/** The web UI in a real browser: login, layout, keyboard use, roles, logout. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserProblem, launchBrowser, screenshot, type TestBrowser } from '../support/browser.ts';
import { startTestWeb, type TestWeb } from '../support/web.ts';

const skip = browserProblem();

describe('web UI in Chromium: login and layout', { skip }, () => {
  let web: TestWeb;
  let browser: TestBrowser;
  before(async () => {
    web = await startTestWeb('sqlite');
    await web.addUser('admin', 'admin');
    await web.addUser('viewer', 'viewer');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser.close();
    await web.close();
  });

  test('log in with the keyboard, see the frame, log out', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${web.url}/admin/users`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot(page, 'login');
    // Keyboard only: the username field has focus, Tab to password, Enter submits.
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('admin-password!');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${web.url}/admin/users`);
    assert.equal(await page.locator('h1').textContent(), 'Users');
    assert.equal(await page.locator('nav[aria-label="Main"] a[aria-current="page"]').textContent(), 'Users');
    assert.equal(await page.getByRole('main').count(), 1);
    assert.equal(await page.getByRole('banner').count(), 1);
    assert.equal(await page.getByRole('contentinfo').count(), 1);
    // htmx loaded from our own server and configured (no inline styles injected under our CSP).
    assert.equal(await page.evaluate('typeof window.htmx'), 'object');
    // Every form control has a label.
    const unlabelled = await page.evaluate(
      "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((el) => el.labels.length === 0).map((el) => el.outerHTML)",
    );
    assert.deepEqual(unlabelled, []);
    await screenshot(page, 'users');

    await page.getByLabel('Username').fill('newbie');
    await page.getByLabel(/^Password/).fill('newbie-password');
    await page.getByLabel('Role', { exact: true }).selectOption('booker');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.waitForURL(/notice=created/);
    assert.equal(await page.getByRole('status').textContent(), 'Created.');
    assert.equal(await page.getByRole('rowheader', { name: 'newbie' }).count(), 1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    assert.equal(await page.getByRole('status').textContent(), 'You are logged out.');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a viewer sees no admin links and gets a readable 403 page', async () => {
    const page = await browser.newPage();
    await page.goto(`${web.url}/login`);
    await page.getByLabel('Username').fill('viewer');
    await page.getByLabel('Password').fill('viewer-password!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${web.url}/`);
    assert.equal(await page.locator('a[href="/admin/users"]').count(), 0);
    // The first Tab stop is the skip link; following it puts focus on the main content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to main content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main');
    await screenshot(page, 'overview-viewer');
    const res = await page.goto(`${web.url}/admin/users`);
    assert.equal(res?.status(), 403);
    assert.equal(await page.getByRole('alert').textContent(), 'Your role does not allow this.');
    await page.close();
  });
});
