/**
 * Debian's Chromium driven by playwright-core. Never downloads a browser: without /usr/bin/chromium the
 * browser tests skip with a message on a developer machine and fail under CI=true.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM'] ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** undefined when the browser tests can run; otherwise why not (a skip locally, a failure under CI). */
export function browserProblem(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `${CHROMIUM} not found: browser tests need Debian's chromium package (apt-get install chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`${message} — required under CI=true`);
  process.stderr.write(`browser tests skipped: ${message}\n`);
  return message;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test-results/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs in through the login page as the first-run `admin` of `switchboard up`, and waits for the overview. */
export async function logInAsFirstRunAdmin(page: Page, system: { readonly webUrl: string; readonly firstAdminPassword: string | undefined }): Promise<void> {
  await page.goto(system.webUrl);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(system.firstAdminPassword ?? '');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${system.webUrl}/`);
}
