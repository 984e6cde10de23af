/** Issue #13 in Chromium: a crafted `next` on the login link never takes the browser off-site. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserProblem, launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestWeb, type TestWeb } from '../support/web.ts';

const skip = browserProblem();

/** `next` as a link would carry it, and the path the browser must end on. */
const CASES: ReadonlyArray<readonly [string, string]> = [
  ['%2F%09%2Fevil.example%2Fphish', '/'],
  ['%2F%0A%2Fevil.example', '/'],
  ['%2F.%2F%2Fevil.example%2Fx', '/evil.example/x'],
];

describe('web UI in Chromium: next after login', { skip }, () => {
  let web: TestWeb;
  let browser: TestBrowser;
  let own: string;
  before(async () => {
    web = await startTestWeb('sqlite');
    await web.addUser('viewer', 'viewer');
    browser = await launchBrowser();
    own = new URL(web.url).origin;
  });
  after(async () => {
    await browser.close();
    await web.close();
  });

  /** Runs `act` and waits for the next page load or for an attempt to reach another origin (refused: nothing leaves the machine). */
  async function settle(page: Page, act: () => Promise<unknown>): Promise<string[]> {
    const offSite: string[] = [];
    let done = (): void => {};
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    await page.unrouteAll();
    await page.route('**/*', async (route) => {
      if (new URL(route.request().url()).origin === own) return route.continue();
      offSite.push(route.request().url());
      done();
      return route.abort();
    });
    page.once('load', done);
    await act();
    await settled;
    return offSite;
  }

  test('submitting the login form, and opening the login link while signed in, both stay on this origin', async () => {
    for (const [next, expected] of CASES) {
      await browser.context.clearCookies();
      const page = await browser.newPage();
      await page.goto(`${web.url}/login?next=${next}`);
      await page.fill('#username', 'viewer');
      await page.fill('#password', 'viewer-password!');
      let offSite = await settle(page, () => page.click('button[type="submit"]'));
      assert.deepEqual(offSite, [], `form, ${next}`);
      assert.equal(new URL(page.url()).origin, own, `form, ${next}`);
      assert.equal(new URL(page.url()).pathname, expected, `form, ${next}`);

      offSite = await settle(page, () => page.goto(`${web.url}/login?next=${next}`).catch(() => undefined));
      assert.deepEqual(offSite, [], `signed in, ${next}`);
      assert.equal(new URL(page.url()).origin, own, `signed in, ${next}`);
      assert.equal(new URL(page.url()).pathname, expected, `signed in, ${next}`);
      await page.close();
    }
  });
});
