import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { OpeningHours } from '@shelfsense/contracts';
import {
  createApiKey,
  createChannel,
  createPolicy,
  createUser,
  defaultRuleId,
  ensureDefaultRules,
  getAlertRule,
  getChannel,
  getOpeningHours,
  getPolicy,
  listUsers,
  migrateToLatest,
  setOpeningHours,
  updateAlertRule,
  updateChannel,
  updateUser,
  upsertStore,
  verifyApiKey,
  verifyPassword,
  getPasswordHash,
  type Db,
} from '@shelfsense/db';
import { z } from 'zod';
import { DEMO_STORES } from './config.ts';

/** `.data/local-credentials.json`: secrets of the local stack (mode 600, never printed). */
const Credentials = z.looseObject({
  adminApiKey: z.string().optional(),
  adminEmail: z.string().optional(),
  adminPassword: z.string().optional(),
  webhookInboxSecret: z.string().optional(),
});
type Credentials = z.infer<typeof Credentials>;

function readCredentials(file: string): Credentials {
  if (!existsSync(file)) return {};
  try {
    const parsed = Credentials.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {}; // unreadable JSON: start afresh
  }
}

function writeCredentials(file: string, credentials: Credentials): void {
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

/** Migrations and demo stores; safe to run on every start. */
export async function provisionDatabase(db: Db): Promise<void> {
  await migrateToLatest(db);
  for (const store of DEMO_STORES) await upsertStore(db, store);
}

/**
 * Makes sure `.data/local-credentials.json` (mode 600) holds a working admin key: created on first
 * run, reused afterwards, replaced if the database no longer knows it (e.g. DATABASE_URL changed).
 * Other entries of the file (the webhook inbox's secret) are kept.
 */
export async function ensureAdminKey(db: Db, file: string): Promise<{ created: boolean }> {
  const credentials = readCredentials(file);
  if (credentials.adminApiKey !== undefined && (await verifyApiKey(db, credentials.adminApiKey)) !== null) return { created: false };
  const { key } = await createApiKey(db, { name: 'local admin (npm start)', scopes: ['admin'] });
  writeCredentials(file, { ...readCredentials(file), adminApiKey: key });
  return { created: true };
}

/** The local stack's first admin account, unless the credentials file names another. */
export const LOCAL_ADMIN_EMAIL = 'admin@shelfsense.local';

/**
 * Makes sure the dashboard has an admin to sign in as, named in `.data/local-credentials.json`
 * (`adminEmail`, `adminPassword`; mode 600, never printed). First run: the user is created with a
 * random password. Later runs keep both. A database that lost the user (DATABASE_URL changed) gets
 * it again with the file's password; a file that lost the password (deleted by hand) gets a new one,
 * set on the existing user. A password changed in the dashboard is left alone (`passwordInFile:
 * false`): someone chose it, and the file's no longer signs in.
 */
export async function ensureAdminUser(db: Db, file: string): Promise<{ created: boolean; passwordInFile: boolean }> {
  const credentials = readCredentials(file);
  const email = credentials.adminEmail ?? LOCAL_ADMIN_EMAIL;
  const existing = (await listUsers(db)).find((u) => u.email === email.toLowerCase());
  if (existing !== undefined && credentials.adminPassword !== undefined) {
    const hash = await getPasswordHash(db, existing.id);
    const matches = hash !== undefined && (await verifyPassword(credentials.adminPassword, hash));
    return { created: false, passwordInFile: matches && !existing.disabled };
  }
  const password = credentials.adminPassword ?? randomBytes(18).toString('base64url');
  if (existing === undefined) {
    const created = await createUser(db, { email, name: 'Local admin', role: 'admin', storeIds: null, password });
    if (created === undefined) throw new Error(`could not create the local admin ${email}`);
  } else {
    await updateUser(db, existing.id, { password });
  }
  writeCredentials(file, { ...readCredentials(file), adminEmail: email, adminPassword: password });
  return { created: existing === undefined, passwordInFile: true };
}

/** The local webhook inbox's signing secret: generated once, kept in the credentials file. */
export function ensureWebhookInboxSecret(file: string): string {
  const credentials = readCredentials(file);
  if (credentials.webhookInboxSecret !== undefined && credentials.webhookInboxSecret.length >= 16) return credentials.webhookInboxSecret;
  const secret = randomBytes(32).toString('hex');
  writeCredentials(file, { ...credentials, webhookInboxSecret: secret });
  return secret;
}

/** The demo stores' opening hours, on their own clocks: 07:00-23:00 every day. */
export const DEMO_OPENING_HOURS: OpeningHours = {
  weekly: Object.fromEntries(
    (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((d) => [d, [{ opens: '07:00', closes: '23:00' }]]),
  ) as OpeningHours['weekly'],
  exceptions: [],
};

/**
 * How long a demo store's shelf zone must be empty before its out-of-stock alert fires. The default
 * rule waits 10 minutes (a real shelf empty that long is worth a call; a shorter one is refilled by
 * the next pass of staff). The demo cameras restock every zone every minute (edge-agent/examples/
 * agent.yaml) and the demo POS empties a zone in under a minute, so a zone is never empty for a
 * whole minute: with 10 (or even 1) the demo would never fire. 0 = fire on the evaluation (every 5
 * s) that sees an empty zone; the restock a minute later resolves it. Measured with `npm start`
 * (see deploy/README.md): the first alert fires within a minute or two and resolves within a minute.
 */
export const DEMO_OOS_FOR_MINUTES = 0;

/** Fixed ids, so every start finds (and keeps in step) what the first one created. */
export const INBOX_CHANNEL_ID = 'ch-local-webhook-inbox';
export const INBOX_POLICY_ID = 'np-local-webhook-inbox';

/**
 * Alerting for the demo stores, so `npm start` shows real alerts and deliveries: opening hours, the
 * default rules, a webhook channel to the local inbox and a policy using it. Safe on every start:
 * the channel's URL and secret follow the inbox's; opening hours already set, and rules someone
 * changed after the first start, are left as they are.
 */
export async function provisionDemoAlerting(db: Db, inbox: { url: string; secret: string }): Promise<void> {
  const storeIds = DEMO_STORES.map((s) => s.id);
  for (const id of storeIds) {
    if ((await getOpeningHours(db, id)) === null) await setOpeningHours(db, id, DEMO_OPENING_HOURS);
  }
  await ensureDefaultRules(db, storeIds);

  if ((await getChannel(db, INBOX_CHANNEL_ID)) === undefined) {
    await createChannel(
      db,
      {
        kind: 'webhook',
        storeId: null,
        name: 'Local webhook inbox',
        url: inbox.url,
        secret: inbox.secret,
        previousSecret: null,
        timeoutMs: 5_000,
        maxAttempts: 6,
      },
      INBOX_CHANNEL_ID,
    );
  } else {
    await updateChannel(db, INBOX_CHANNEL_ID, { url: inbox.url, secret: inbox.secret, previousSecret: null });
  }
  if ((await getPolicy(db, INBOX_POLICY_ID)) !== undefined) return; // the demo rules were set up by an earlier start
  await createPolicy(
    db,
    {
      storeId: null,
      name: 'Local webhook inbox (demo stores)',
      steps: [{ channelIds: [INBOX_CHANNEL_ID], afterMinutes: 0 }],
      fallbackChannelIds: [],
      groupWaitSeconds: 10,
      groupIntervalSeconds: 300,
      repeatIntervalMinutes: 240,
      notifyOn: ['firing', 'resolved'],
    },
    INBOX_POLICY_ID,
  );
  for (const storeId of storeIds) {
    for (const suffix of ['oos', 'pos-silent', 'camera-offline', 'sales-anomaly']) {
      const rule = await getAlertRule(db, defaultRuleId(storeId, suffix));
      if (rule === undefined || 'error' in rule || rule.policyId !== null) continue; // deleted, broken or already notifying
      const { spec, id: _id, storeId: _store, createdAt: _c, updatedAt: _u, ...rest } = rule;
      await updateAlertRule(db, rule.id, {
        ...rest,
        ...spec,
        policyId: INBOX_POLICY_ID,
        forMinutes: suffix === 'oos' ? DEMO_OOS_FOR_MINUTES : rule.forMinutes,
      });
    }
  }
}
