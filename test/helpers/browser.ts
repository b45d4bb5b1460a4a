import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags for headless Chromium in containers and CI: no sandbox (no user namespaces there), nothing fetched from outside. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'];

/** Where screenshots of the pages go: kept as CI artifacts, ignored by git. */
export const SCREENSHOTS = new URL('../../artifacts/screenshots/', import.meta.url);

/** Debian's `chromium` (CHROMIUM_PATH overrides), or undefined when there is none. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A suite driving real headless Chromium, launched once for the file. Without Chromium the suite is skipped
 * with a message, or fails when CI=true: CI must never pass without having run it (as `eachDatabase` does
 * for PostgreSQL).
 *
 * @example
 * describeInBrowser('pages', (browser) => { test('…', async () => { const page = await browser().newPage(); … }); });
 */
export function describeInBrowser(name: string, suite: (browser: () => Browser) => void): void {
  const executablePath = chromiumPath();
  describe(`${name} [chromium]`, () => {
    if (!executablePath) {
      const why = 'no `chromium` on PATH (apt-get install chromium, or set CHROMIUM_PATH)';
      if (process.env.CI)
        test('Chromium is installed (required in CI)', () => {
          throw new Error(`browser tests cannot run: ${why}`);
        });
      else test.skip(`SKIPPED: ${why}`, () => undefined);
      return;
    }
    let browser: Browser | undefined;
    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    suite(() => {
      if (!browser) throw new Error('the browser exists only inside a test');
      return browser;
    });
  });
}
