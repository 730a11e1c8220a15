// The dashboard in a real Chromium against the real local stack (`npm start` on random ports):
// sign in with the generated admin key, watch the store page fill up and go live over the
// WebSocket, export CSV, page the orders, open the shelf view and the wall display. Screenshots go
// to /tmp/shelfsense-e2e/ for a human to look at. Skipped (not failed) without /usr/bin/chromium.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, SHOTS, hasChromium, launchChromium, startBrowserStack, type BrowserStack } from './browser-support.ts';

const STORE = 'demo-blr-1';

/** The first number in a tile's text: `3,521` → 3521. */
const numberIn = (text: string | null): number => Number((/[\d,.]+/.exec(text ?? '')?.[0] ?? 'NaN').replaceAll(',', ''));

const title = hasChromium
  ? 'dashboard in Chromium against the local stack'
  : `dashboard in Chromium — SKIPPED: no browser at ${CHROMIUM} (Debian/Ubuntu: apt-get install -y chromium)`;

describe.skipIf(!hasChromium)(title, () => {
  let stack: BrowserStack | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let baseUrl: string;
  const problems: string[] = [];

  beforeAll(async () => {
    stack = await startBrowserStack('browser', { DEMO_ORDERS_PER_MIN: '300' });
    baseUrl = stack.baseUrl;

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US', acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in with the admin key from the credentials file', async () => {
    const { adminApiKey } = stack!.credentials;
    await page.goto(`${baseUrl}/stores/${STORE}?range=1h`);
    await page.waitForURL(/\/login\?next=/);
    // The login page opens on email + password; integrators switch to the API key form.
    await page.getByRole('button', { name: 'Use an API key instead' }).click();
    await page.locator('#api-key').fill(adminApiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back where it was sent from.
    await page.waitForURL(`${baseUrl}/stores/${STORE}?range=1h`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Demo Cafe Bengaluru');
  });

  it('shows demo orders, goes live over the WebSocket and updates without a reload', async () => {
    const ordersTile = page.locator('[data-kpi="orders"] .value');
    await expect
      .poll(async () => numberIn(await ordersTile.textContent()), { timeout: 30_000, interval: 250 })
      .toBeGreaterThan(0);

    const liveStatus = page.locator('[data-live-mode]').first();
    await expect.poll(() => liveStatus.getAttribute('data-live-mode'), { timeout: 15_000 }).toBe('live');

    // 300 orders a minute: the pushed 15-minute count moves within seconds.
    const last15 = page.locator('[data-live-tile="last15m"] [data-orders]');
    const first = numberIn(await last15.textContent());
    expect(first).toBeGreaterThan(0);
    await expect
      .poll(async () => numberIn(await last15.textContent()), { timeout: 15_000, interval: 200 })
      .toBeGreaterThan(first);

    // The panels around the chart have data too.
    await expect
      .poll(() => page.locator('section[aria-labelledby="top-title"] tbody tr').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('section[aria-labelledby="mix-title"] li').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'store.png'), fullPage: true });
  });

  it('opens the shelf view, which renders live (its empty state when no camera reports yet)', async () => {
    await page.getByRole('link', { name: 'Shelf', exact: true }).click();
    await page.waitForURL(`${baseUrl}/stores/${STORE}/shelf`);
    const status = page.locator('[data-live-mode]').first();
    await expect.poll(() => status.getAttribute('data-live-mode'), { timeout: 15_000 }).toBe('live');
    const zones = page.locator('[data-zone]');
    const empty = page.locator('[data-shelf-empty]');
    await expect.poll(async () => (await zones.count()) + (await empty.count()), { timeout: 15_000 }).toBeGreaterThan(0);
    if ((await zones.count()) === 0) {
      expect(await empty.textContent()).toContain('No shelf zones yet');
      expect(await page.locator('[data-count="empty"]').textContent()).toBe('0');
    }
    expect(await page.locator('section[aria-labelledby="availability-title"] li').count()).toBe(7);
    await page.screenshot({ path: join(SHOTS, 'shelf.png'), fullPage: true });
  });

  it('shows the wall display live with its shelf strip', async () => {
    await page.goto(`${baseUrl}/wall/${STORE}`);
    await expect
      .poll(() => page.locator('footer [data-live-mode]').getAttribute('data-live-mode'), { timeout: 15_000 })
      .toBe('live');
    await expect
      .poll(() => page.locator('[data-shelf-strip]').textContent(), { timeout: 15_000 })
      .toMatch(/No shelf cameras reporting|empty/);
    await page.screenshot({ path: join(SHOTS, 'wall.png') });
  });

  it('exports the selected range as CSV with the key and pages through orders', async () => {
    await page.goto(`${baseUrl}/stores/${STORE}?range=1h`);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trim().split('\r\n'); // RFC 4180 line ends
    expect(lines[0]).toBe('t,orders,items,gross,tax,discount,net,aov,cancelledOrders,cancelledNet,refundedOrders,refundedNet');
    expect(lines.length).toBeGreaterThan(1);

    const rows = page.locator('section[aria-labelledby="orders-title"] tbody tr');
    // The stack has just started: refresh until the first page is full (5 orders a second).
    const refresh = page.locator('section[aria-labelledby="orders-title"]').getByRole('button', { name: 'Refresh' });
    await expect
      .poll(
        async () => {
          await refresh.click();
          await expect.poll(() => refresh.isEnabled()).toBe(true);
          return rows.count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(50);
    // The next page continues the same window with the cursor: up to 50 older orders, no repeats.
    await page.getByRole('button', { name: 'Load 50 more' }).click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(50);
    const ids = await page.locator('section[aria-labelledby="orders-title"] tbody code').allTextContents();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(100);
  });

  it('logged no console or page errors on the way', () => {
    expect(problems).toEqual([]);
  });
});
