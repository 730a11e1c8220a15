// People, API keys and wall display links in a real Chromium against the real local stack (`npm
// start` on random ports): the admin signs in with email and password (a wrong one first), creates
// and revokes an API key whose secret is shown once, creates a manager of one store in the UI (a
// viewer over the API); the manager sees only that store, the viewer sees alerts without the
// buttons to act on them (and the api refuses them too); a wall display opened with a display
// token works without signing in and shows "revoked" once the manager revokes it. Each change is
// checked over the API. Screenshots go to /tmp/shelfsense-e2e/. Skipped without /usr/bin/chromium.
import { join } from 'node:path';
import type { AlertRule, AlertsResponse, ApiKeysResponse, DisplayTokensResponse, UsersResponse } from '@shelfsense/contracts';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, SHOTS, hasChromium, launchChromium, startBrowserStack, type BrowserStack } from './browser-support.ts';

const STORE = 'demo-blr-1';
const OTHER_STORE = 'demo-ams-1';
/** Demo POS rate: a zone empties within seconds of each restock, so the test's rule fires soon. */
const ORDERS_PER_MIN = 600;
const MANAGER = { email: 'manager.e2e@example.com', name: 'Mona Manager', password: 'manager-password-1' };
const VIEWER = { email: 'viewer.e2e@example.com', name: 'Victor Viewer', password: 'viewer-password-12' };

const title = hasChromium
  ? 'people, API keys and wall display links in Chromium against the local stack'
  : `access in Chromium — SKIPPED: no browser at ${CHROMIUM} (Debian/Ubuntu: apt-get install -y chromium)`;

describe.skipIf(!hasChromium)(title, () => {
  let stack: BrowserStack | undefined;
  let browser: Browser | undefined;
  let baseUrl: string;
  let adminKey: string;
  let admin: { email: string; password: string };
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let adminPage: Page;
  let managerPage: Page;
  let rule: AlertRule;

  async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, bearer = adminKey): Promise<{ status: number; body: T }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  /** A fresh browser profile (its own cookies and local storage), with console errors collected. */
  async function newPage(allowedErrors: RegExp[] = []): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      // The browser logs every 4xx it fetched; the ones a step expects are named by it.
      if (m.type() === 'error' && !allowedErrors.some((r) => r.test(m.text()))) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    return page;
  }

  async function signIn(page: Page, who: { email: string; password: string }, path = '/'): Promise<void> {
    await page.goto(`${baseUrl}${path}`);
    await page.waitForURL(/\/login/);
    await page.locator('#email').fill(who.email);
    await page.locator('#password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15_000 });
  }

  beforeAll(async () => {
    stack = await startBrowserStack('access', { DEMO_ORDERS_PER_MIN: String(ORDERS_PER_MIN) });
    baseUrl = stack.baseUrl;
    // `npm start` provisions the first admin: the browser signs in as it, the API checks use the key.
    const { credentials } = stack;
    expect(Object.keys(credentials)).toEqual(expect.arrayContaining(['adminApiKey', 'adminEmail', 'adminPassword']));
    adminKey = credentials.adminApiKey;
    admin = { email: credentials.adminEmail, password: credentials.adminPassword };
    const viewer = await api('POST', '/api/v1/users', { ...VIEWER, role: 'viewer', storeIds: [STORE] });
    expect(viewer.status).toBe(201);
    // A rule that fires as soon as a demo zone is empty, so the viewer has an alert to look at.
    const created = await api<AlertRule>('POST', `/api/v1/stores/${STORE}/alert-rules`, {
      name: 'Shelf empty now (access e2e)',
      severity: 'critical',
      forMinutes: 0,
      kind: 'shelf_out_of_stock',
      params: { states: ['empty'] },
    });
    expect(created.status).toBe(201);
    rule = created.body;

    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.stop();
  });

  it('refuses a wrong password without saying which half was wrong, then signs the admin in', async () => {
    // The first visit and the wrong password are 401s the browser logs.
    adminPage = await newPage([/401/]);
    await adminPage.goto(`${baseUrl}/`);
    await adminPage.waitForURL(/\/login/);
    await adminPage.locator('#email').fill(admin.email);
    await adminPage.locator('#password').fill('not the password at all');
    await adminPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    const problem = adminPage.locator('[data-sign-in-problem]');
    await expect.poll(() => problem.getAttribute('data-sign-in-problem'), { timeout: 10_000 }).toBe('credentials');
    expect(await problem.textContent()).toContain('Wrong email or password.');
    await adminPage.screenshot({ path: join(SHOTS, 'access-login-wrong.png') });

    await adminPage.locator('#password').fill(admin.password);
    await adminPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await adminPage.waitForURL(`${baseUrl}/`);
    // The session is an httpOnly cookie: nothing in local storage, nothing the page's script can read.
    const stored = await adminPage.evaluate(() => {
      const g = globalThis as unknown as { localStorage: { getItem(k: string): string | null }; document: { cookie: string } };
      return { key: g.localStorage.getItem('shelfsense.apiKey'), cookie: g.document.cookie };
    });
    expect(stored).toEqual({ key: null, cookie: '' });
    const who = adminPage.locator('[data-me-kind]');
    await expect.poll(() => who.getAttribute('data-me-role')).toBe('admin');
    expect(await adminPage.getByRole('link', { name: 'Users', exact: true }).count()).toBe(1);
    expect(await adminPage.getByRole('link', { name: 'API keys', exact: true }).count()).toBe(1);
    await expect.poll(() => adminPage.locator(`a[href="/stores/${OTHER_STORE}"]`).count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('creates an API key whose secret is shown once and works, then revokes it after a confirmation', async () => {
    await adminPage.getByRole('link', { name: 'API keys', exact: true }).click();
    await adminPage.waitForURL(`${baseUrl}/admin/api-keys`);
    await adminPage.getByRole('button', { name: 'New API key' }).click();
    const form = adminPage.locator('[data-api-key-form]');
    await form.locator('input[name="name"]').fill('ERP export (e2e)');
    await form.locator('input[name="limit-stores"]').check();
    await form.locator(`[data-store-picker] input[value="${STORE}"]`).check();
    await form.getByRole('button', { name: 'Create key' }).click();

    const secret = adminPage.locator('[data-secret-once]');
    await expect.poll(() => secret.count(), { timeout: 10_000 }).toBe(1);
    expect(await secret.textContent()).toContain('you will not see this API key again');
    const key = await secret.locator('[data-secret-value]').inputValue();
    expect(key).toMatch(/^ss_[0-9a-f]{16}_/);
    await adminPage.screenshot({ path: join(SHOTS, 'access-api-key-once.png'), fullPage: true });

    // The key works, read-only, for its one store.
    const stores = await api<{ stores: { id: string }[] }>('GET', '/api/v1/stores', undefined, key);
    expect(stores.status).toBe(200);
    expect(stores.body.stores.map((s) => s.id)).toEqual([STORE]);
    const keyId = /^ss_([0-9a-f]{16})_/.exec(key)![1]!;
    const listed = (await api<ApiKeysResponse>('GET', '/api/v1/api-keys')).body.keys.find((k) => k.id === keyId);
    expect(listed).toMatchObject({ name: 'ERP export (e2e)', scopes: ['read'], storeIds: [STORE], revokedAt: null });

    // Dismissed: the secret is gone from the page for good.
    await secret.getByRole('button', { name: 'I have copied it' }).click();
    expect(await adminPage.content()).not.toContain(key);
    const row = adminPage.locator(`tr[data-api-key-id="${keyId}"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);

    let question = '';
    adminPage.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.locator('[data-revoked]').count(), { timeout: 10_000 }).toBe(1);
    expect(question).toContain('Revoke the API key "ERP export (e2e)"');
    expect((await api('GET', '/api/v1/stores', undefined, key)).status).toBe(401);
    await adminPage.screenshot({ path: join(SHOTS, 'access-api-keys.png'), fullPage: true });
  });

  it('creates a manager of one store in the users page', async () => {
    await adminPage.getByRole('link', { name: 'Users', exact: true }).click();
    await adminPage.waitForURL(`${baseUrl}/admin/users`);
    await adminPage.getByRole('button', { name: 'New user' }).click();
    const form = adminPage.locator('[data-user-form]');
    await form.locator('input[name="email"]').fill(MANAGER.email);
    await form.locator('input[name="name"]').fill(MANAGER.name);
    await form.locator('select[name="role"]').selectOption('manager');
    await form.locator('input[name="password"]').fill(MANAGER.password);
    // No store yet: the form says a manager needs one before asking the api.
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => form.locator('[data-store-picker] .field-error').textContent()).toContain('a manager needs at least one store');
    await form.locator(`[data-store-picker] input[value="${STORE}"]`).check();
    await form.getByRole('button', { name: 'Create user' }).click();

    const row = adminPage.locator(`tr[data-user-email="${MANAGER.email}"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('[data-role]').textContent()).toBe('Manager');
    const users = (await api<UsersResponse>('GET', '/api/v1/users')).body.users;
    expect(users.find((u) => u.email === MANAGER.email)).toMatchObject({ role: 'manager', storeIds: [STORE], disabled: false });
    expect(users.find((u) => u.email === VIEWER.email)).toMatchObject({ role: 'viewer', storeIds: [STORE] });
    await adminPage.screenshot({ path: join(SHOTS, 'access-users.png'), fullPage: true });
  });

  it('shows a manager only their store, without the admin pages', async () => {
    // The first visit is a 401 before signing in; the other store's page is a 404.
    managerPage = await newPage([/401/, /404/]);
    await signIn(managerPage, MANAGER);
    await expect.poll(() => managerPage.locator(`a[href="/stores/${STORE}"]`).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await managerPage.locator(`a[href="/stores/${OTHER_STORE}"]`).count()).toBe(0);
    expect(await managerPage.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
    expect(await managerPage.locator('[data-me-kind]').getAttribute('data-me-role')).toBe('manager');
    await managerPage.screenshot({ path: join(SHOTS, 'access-manager-overview.png'), fullPage: true });

    await managerPage.goto(`${baseUrl}/stores/${OTHER_STORE}?range=1h`);
    await expect.poll(() => managerPage.locator('#error-title').textContent(), { timeout: 10_000 }).toBe('Not found');
  });

  it('lets a viewer look at an alert but not act on it; a manager gets the buttons', async () => {
    let alertId = '';
    await expect
      .poll(
        async () => {
          const page = await api<AlertsResponse>('GET', `/api/v1/stores/${STORE}/alerts?ruleId=${rule.id}`);
          alertId = page.body.alerts[0]?.id ?? '';
          return alertId;
        },
        { timeout: 90_000, interval: 1000 },
      )
      .not.toBe('');

    const viewerPage = await newPage([/401/, /403/]);
    await signIn(viewerPage, VIEWER, `/alerts?store=${STORE}&alert=${alertId}`);
    const detail = viewerPage.locator('#alert-detail');
    await expect.poll(() => detail.locator('[data-read-only]').count(), { timeout: 15_000 }).toBe(1);
    expect(await detail.getByRole('button', { name: 'Acknowledge', exact: true }).count()).toBe(0);
    expect(await detail.getByRole('button', { name: 'Resolve', exact: true }).count()).toBe(0);
    expect(await viewerPage.locator('[data-me-kind]').getAttribute('data-me-role')).toBe('viewer');
    // No settings to change either: the rules page has no New rule button.
    await viewerPage.screenshot({ path: join(SHOTS, 'access-viewer-alert.png'), fullPage: true });
    // The api refuses the viewer's session too (the page only hides what would fail).
    const status = await viewerPage.evaluate(
      async (id) => (await fetch(`/api/v1/alerts/${id}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
      alertId,
    );
    expect(status).toBe(403);
    await viewerPage.goto(`${baseUrl}/stores/${STORE}/alert-rules`);
    await expect.poll(() => viewerPage.locator(`tr[data-rule-id="${rule.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(await viewerPage.getByRole('button', { name: 'New rule' }).count()).toBe(0);

    await managerPage.goto(`${baseUrl}/alerts?store=${STORE}&alert=${alertId}`);
    const managerDetail = managerPage.locator('#alert-detail');
    await expect.poll(() => managerDetail.getByRole('button', { name: 'Acknowledge', exact: true }).count(), { timeout: 15_000 }).toBe(1);
    expect(await managerDetail.locator('[data-read-only]').count()).toBe(0);
  });

  it('opens a wall display with a display token without signing in, and shows it revoked when the manager revokes it', async () => {
    await managerPage.goto(`${baseUrl}/stores/${STORE}/settings/displays`);
    await managerPage.locator('#display-name').fill('Back office TV (e2e)');
    await managerPage.getByRole('button', { name: 'Create display link' }).click();
    const secret = managerPage.locator('[data-secret-once]');
    await expect.poll(() => secret.count(), { timeout: 10_000 }).toBe(1);
    const wallUrl = await secret.locator('[data-secret-value]').inputValue();
    expect(wallUrl).toMatch(new RegExp(`^${baseUrl}/wall/${STORE}\\?token=`));
    await managerPage.screenshot({ path: join(SHOTS, 'access-display-created.png'), fullPage: true });
    const token = new URL(wallUrl).searchParams.get('token')!;

    // A fresh profile: no session, no key. The revoked token's calls and socket fail with 401s.
    const wall = await newPage([/401/, /WebSocket/]);
    await wall.goto(wallUrl);
    await expect.poll(() => wall.locator('footer [data-live-mode]').getAttribute('data-live-mode'), { timeout: 20_000 }).toBe('live');
    expect(wall.url()).toBe(wallUrl);
    await wall.screenshot({ path: join(SHOTS, 'access-wall-token.png') });
    // Read-only and only its store: the api refuses anything else.
    expect((await api('GET', `/api/v1/stores/${OTHER_STORE}/shelf`, undefined, token)).status).toBe(404);
    expect((await api('GET', '/api/v1/users', undefined, token)).status).toBe(403);

    const tokens = (await api<DisplayTokensResponse>('GET', `/api/v1/stores/${STORE}/display-tokens`)).body.tokens;
    const tokenRow = tokens.find((t) => t.name === 'Back office TV (e2e)');
    expect(tokenRow).toMatchObject({ storeId: STORE, revokedAt: null });
    await secret.getByRole('button', { name: 'I have copied it' }).click();
    const row = managerPage.locator(`tr[data-display-token-id="${tokenRow!.id}"]`);
    managerPage.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.locator('[data-revoked]').count(), { timeout: 10_000 }).toBe(1);
    const revokedAt = Date.now();

    // The api closes the wall's socket within seconds; the wall notices and says so.
    await expect.poll(() => wall.locator('[data-wall-revoked]').count(), { timeout: 20_000, interval: 250 }).toBe(1);
    console.log(`wall showed "revoked" ${Date.now() - revokedAt} ms after the revocation answered`);
    expect(await wall.locator('[data-wall-revoked] h1').textContent()).toBe('This display link was revoked');
    expect(wall.url()).toBe(wallUrl); // not sent to a login page
    await wall.screenshot({ path: join(SHOTS, 'access-wall-revoked.png') });
    expect((await api('GET', '/api/v1/stores', undefined, token)).status).toBe(401);

    // Opened again later, the revoked link goes straight to the same screen.
    await wall.reload();
    await expect.poll(() => wall.locator('[data-wall-revoked]').count(), { timeout: 10_000 }).toBe(1);
  });

  it('signs out: the session ends and the console asks to sign in again', async () => {
    await managerPage.goto(`${baseUrl}/`);
    await managerPage.getByRole('button', { name: 'Sign out' }).click();
    await managerPage.waitForURL(/\/login/);
    await managerPage.goto(`${baseUrl}/`);
    await managerPage.waitForURL(/\/login\?next=/);
    expect(problems).toEqual([]);
  });
});
