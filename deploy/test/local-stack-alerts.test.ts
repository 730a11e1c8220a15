// `npm start`'s alerting demo end to end: real synthetic shelf cameras emptied by a fast demo POS,
// the processors' out-of-stock rule of a demo store firing, and the notification reaching the
// local webhook inbox signed with the inbox's secret.
import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '@shelfsense/contracts';
import { eventually, localStackPorts } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STORES, loadConfig, type Config } from '../src/config.ts';
import { startLocalStack, type LocalStack } from '../src/local-stack.ts';
import type { InboxMessage } from '../src/webhook-inbox/webhook-inbox.ts';

describe('local stack: demo alerts reach the local webhook inbox', () => {
  let dataDir: string;
  let config: Config;
  let stack: LocalStack | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shelfsense-alerts-'));
    chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
    config = loadConfig({
      SHELFSENSE_DATA_DIR: dataDir,
      ...(await localStackPorts()),
      DEMO_ORDERS_PER_MIN: '300', // empties shelf zones within seconds of each restock
    });
    stack = await startLocalStack(config, (l) => lines.push(l));
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  const credentials = () =>
    JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8')) as { adminApiKey: string; webhookInboxSecret: string };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${config.ports.api}${path}`, {
      headers: { authorization: `Bearer ${credentials().adminApiKey}` },
    });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const inbox = async () =>
    ((await (await fetch(`http://127.0.0.1:${config.ports.webhookInbox}/messages`)).json()) as { messages: InboxMessage[] }).messages;

  it('keeps the inbox secret in the credentials file (mode 600) and never prints it', () => {
    const { webhookInboxSecret } = credentials();
    expect(webhookInboxSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dataDir, 'local-credentials.json')).mode & 0o777).toBe(0o600);
    expect(lines.join('\n')).not.toContain(webhookInboxSecret);
    expect(stack?.webhookInboxUrl).toBe(`http://localhost:${config.ports.webhookInbox}/`);
  });

  it('a demo store fires an out-of-stock alert and the inbox receives it, verified', async () => {
    const storeIds: readonly string[] = DEMO_STORES.map((s) => s.id);
    const fired = await eventually(async () => {
      const { alerts } = await api<{ alerts: Alert[] }>('/api/v1/alerts');
      return alerts.find((a) => storeIds.includes(a.storeId) && a.kind === 'shelf_out_of_stock' && a.firedAt !== null);
    }, 90_000, 1_000);
    expect(fired.ruleId).toBe(`${fired.storeId}-oos`);

    const delivered = await eventually(async () => {
      const messages = await inbox();
      return messages.find((m) => m.type === 'alert.firing' && m.verified) ?? undefined;
    }, 60_000, 1_000);
    expect(delivered.problem).toBeNull();
    expect(delivered.text).toMatch(/out of stock/i);
    expect((delivered.body as { alert: Alert }).alert.storeId).toMatch(/^demo-/);
    expect(readFileSync(join(dataDir, 'logs', 'webhook-inbox.log'), 'utf8')).toMatch(/ verified alert\.firing ntf:/);
    // The HTML page lists it.
    const page = await (await fetch(`http://127.0.0.1:${config.ports.webhookInbox}/`)).text();
    expect(page).toContain('✓ verified');
  }, 160_000);

  it('records (and refuses) a delivery whose signature does not verify', async () => {
    const body = JSON.stringify({ type: 'alert.firing', text: 'forged' });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', 'not-the-inbox-secret').update(`${t}.${body}`).digest('hex');
    const res = await fetch(`http://127.0.0.1:${config.ports.webhookInbox}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'shelfsense-signature': `t=${t},v1=${v1}` },
      body,
    });
    expect(res.status).toBe(401);
    const forged = (await inbox()).find((m) => m.text === 'forged');
    expect(forged).toMatchObject({ verified: false, problem: 'signature does not match' });
    // The same body signed with the inbox's secret verifies.
    const good = createHmac('sha256', credentials().webhookInboxSecret).update(`${t}.${body}`).digest('hex');
    const ok = await fetch(`http://127.0.0.1:${config.ports.webhookInbox}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'shelfsense-signature': `t=${t},v1=${good}` },
      body,
    });
    expect(ok.status).toBe(204);
  });

  it('stops the inbox after the processors that deliver to it', async () => {
    expect(await stack?.stop()).toEqual({ clean: true });
    stack = undefined;
    const stopped = lines.filter((l) => l.startsWith('  ✓ stopped ')).map((l) => l.slice('  ✓ stopped '.length));
    expect(stopped.indexOf('webhook inbox')).toBe(stopped.indexOf('stream-processors') + 1);
    await expect(fetch(`http://127.0.0.1:${config.ports.webhookInbox}/messages`)).rejects.toThrow();
  }, 90_000);
});
