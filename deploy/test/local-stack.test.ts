// `npm start`'s stack, started programmatically on random ports in a temp data dir: real
// nats-server, embedded PostgreSQL, all deployables as processes, demo POS traffic.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SalesResponse, StoresResponse } from '@shelfsense/contracts';
import { eventually, localStackPorts, makeGenericOrderInput } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STORES, loadConfig, type Config } from '../src/config.ts';
import { startLocalStack, type LocalStack } from '../src/local-stack.ts';

describe('local stack (npm start)', () => {
  let dataDir: string;
  let config: Config;
  let stack: LocalStack | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shelfsense-stack-'));
    chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
    config = loadConfig({
      SHELFSENSE_DATA_DIR: dataDir,
      ...(await localStackPorts()),
      DEMO_ORDERS_PER_MIN: '300',
    });
    stack = await startLocalStack(config, (l) => lines.push(l));
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const credentials = () =>
    JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8')) as { adminApiKey: string; adminEmail: string; adminPassword: string };
  const adminKey = () => credentials().adminApiKey;
  /** Signs in as the file's admin over plain http, as the dashboard does; the session's `Me` kind and role. */
  const signIn = async () => {
    const { adminEmail: email, adminPassword: password } = credentials();
    const base = `http://127.0.0.1:${config.ports.api}`;
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    // Plain http: a Secure cookie would never be sent back by a browser on a LAN address.
    expect(setCookie).toMatch(/^ss_session=[^;]+;.*HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/i);
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: { cookie: setCookie.split(';')[0] ?? '' } });
    expect(me.status).toBe(200);
    return (await me.json()) as { kind: string; role: string; email: string };
  };
  const api = (path: string) => fetch(`http://127.0.0.1:${config.ports.api}${path}`, { headers: { authorization: `Bearer ${adminKey()}` } });
  const salesOf = async (storeId: string, from: Date, to: Date) =>
    (await (await api(`/api/v1/stores/${storeId}/sales?from=${from.toISOString()}&to=${to.toISOString()}&bucket=1m`)).json()) as SalesResponse;

  it('creates the admin key file with mode 600 and the key works', async () => {
    expect(stack?.adminKeyCreated).toBe(true);
    expect(statSync(join(dataDir, 'local-credentials.json')).mode & 0o777).toBe(0o600);
    const res = await api('/api/v1/stores');
    expect(res.status).toBe(200);
    expect(((await res.json()) as StoresResponse).stores.map((s) => s.id).sort()).toEqual(DEMO_STORES.map((s) => s.id).sort());
    expect(stack?.dashboardUrl).toBe(`http://localhost:${config.ports.api}/`);
    expect(lines.join('\n')).not.toContain(adminKey()); // the secret is never printed
  });

  it('creates the first admin user: email and password in the credentials file, never printed, and they sign in', async () => {
    expect(stack?.adminUserCreated).toBe(true);
    const { adminApiKey, adminEmail, adminPassword } = credentials();
    expect(adminApiKey).toMatch(/^ss_/);
    expect(adminEmail).toMatch(/@/);
    expect(adminPassword.length).toBeGreaterThanOrEqual(12);
    expect(lines.join('\n')).not.toContain(adminPassword);
    expect(await signIn()).toMatchObject({ kind: 'user', role: 'admin', email: adminEmail });
  });

  it('demo POS orders of both stores reach the sales endpoint', async () => {
    for (const store of DEMO_STORES) {
      const sales = await eventually(async () => {
        const s = await salesOf(store.id, new Date(Date.now() - 10 * 60_000), new Date(Date.now() + 60_000));
        return s.buckets.some((b) => b.orders > 0) ? s : undefined;
      }, 30_000);
      expect(sales.buckets.reduce((n, b) => n + b.orders, 0)).toBeGreaterThan(0);
    }
  });

  it('keeps the data, the key and the admin\'s email and password across a restart', async () => {
    const before = credentials();
    const createdAt = '2026-01-15T12:00:10.000Z';
    const res = await fetch(`http://127.0.0.1:${config.ports.edgeBase}/pos/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makeGenericOrderInput({ orderId: 'restart-1', createdAt })),
    });
    expect(res.status).toBe(202);
    const window = [new Date('2026-01-15T12:00:00Z'), new Date('2026-01-15T12:01:00Z')] as const;
    await eventually(async () => ((await salesOf(DEMO_STORES[0].id, ...window)).buckets.length === 1 ? true : undefined));

    expect(await stack?.stop()).toEqual({ clean: true });
    stack = undefined;
    await expect(fetch(`http://127.0.0.1:${config.ports.api}/healthz`)).rejects.toThrow(); // really stopped
    // Reverse dependency order; the two edge agents together, the webhook inbox after the processors
    // that deliver to it, then nats-server and PostgreSQL together.
    const stopped = lines.filter((l) => l.startsWith('  ✓ stopped ')).map((l) => l.slice('  ✓ stopped '.length));
    expect(stopped.slice(0, 2).sort()).toEqual(['edge agent demo-ams-1', 'edge agent demo-blr-1']);
    expect(stopped.slice(2, 5)).toEqual(['api', 'stream-processors', 'webhook inbox']);
    expect(stopped.slice(5).sort()).toEqual(['PostgreSQL', 'nats-server']);

    stack = await startLocalStack(config, () => undefined);
    expect(stack.adminKeyCreated).toBe(false);
    expect(stack.adminUserCreated).toBe(false);
    expect(credentials()).toEqual(before);
    expect(statSync(join(dataDir, 'local-credentials.json')).mode & 0o777).toBe(0o600);
    expect(await signIn()).toMatchObject({ kind: 'user', role: 'admin' });
    expect((await salesOf(DEMO_STORES[0].id, ...window)).buckets).toMatchObject([{ t: '2026-01-15T12:00:00.000Z', orders: 1, net: 210 }]);
  });
});
