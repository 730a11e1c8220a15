import { randomBytes } from 'node:crypto';
import { AppError, CHANNEL_PATCH_FIELDS, type Channel, type ChannelCreate, type ChannelPatch } from '@shelfsense/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, NotificationChannelsTable } from '../database.ts';

// Channel settings as stored in `config` (everything but the secrets, which have their own columns
// so no query that returns `config` can leak them).
const WebhookConfig = z.object({ url: z.string(), timeoutMs: z.number().int(), maxAttempts: z.number().int() });
const SmsConfig = z.object({ to: z.array(z.string()), maxAttempts: z.number().int() });

/** A channel with what the notifier needs to deliver: settings and, for webhooks, the signing secrets. */
export type DeliverableChannel =
  | {
      readonly kind: 'webhook';
      readonly id: string;
      readonly storeId: string | null;
      readonly name: string;
      readonly url: string;
      readonly timeoutMs: number;
      readonly maxAttempts: number;
      readonly secret: string;
      /** Set during a rotation: deliveries carry a second signature made with it. */
      readonly previousSecret: string | null;
    }
  | {
      readonly kind: 'sms';
      readonly id: string;
      readonly storeId: string | null;
      readonly name: string;
      readonly to: readonly string[];
      readonly maxAttempts: number;
    };

type ChannelRow = Selectable<NotificationChannelsTable>;

function toChannel(row: ChannelRow): Channel {
  const common = {
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    hasSecret: row.secret !== null,
    rotating: row.previous_secret !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  switch (row.kind) {
    case 'webhook': {
      const c = WebhookConfig.parse(row.config);
      return { ...common, kind: 'webhook', url: c.url, timeoutMs: c.timeoutMs, maxAttempts: c.maxAttempts };
    }
    case 'sms': {
      const c = SmsConfig.parse(row.config);
      return { ...common, kind: 'sms', to: c.to, maxAttempts: c.maxAttempts };
    }
  }
}

function toDeliverable(row: ChannelRow): DeliverableChannel {
  const common = { id: row.id, storeId: row.store_id, name: row.name };
  switch (row.kind) {
    case 'webhook': {
      // A webhook row always has a secret (ChannelInput requires one); a NULL here is corruption.
      if (row.secret === null) throw new AppError('internal', `webhook channel ${row.id} has no signing secret`);
      return {
        ...common,
        kind: 'webhook',
        ...WebhookConfig.parse(row.config),
        secret: row.secret,
        previousSecret: row.previous_secret,
      };
    }
    case 'sms':
      return { ...common, kind: 'sms', ...SmsConfig.parse(row.config) };
  }
}

/** New channel id: `ch-` + 16 hex (a subject token: it becomes `notify.<id>`). */
const newChannelId = () => `ch-${randomBytes(8).toString('hex')}`;

/** Creates a channel; `id` is generated unless given (seed data, tests). Returns it without secrets. */
export async function createChannel(db: Kysely<Database>, input: ChannelCreate, id: string = newChannelId()): Promise<Channel> {
  const base = { id, store_id: input.storeId, name: input.name, kind: input.kind };
  const values =
    input.kind === 'webhook'
      ? {
          ...base,
          config: JSON.stringify({ url: input.url, timeoutMs: input.timeoutMs, maxAttempts: input.maxAttempts }),
          secret: input.secret,
          previous_secret: input.previousSecret,
        }
      : {
          ...base,
          config: JSON.stringify({ to: input.to, maxAttempts: input.maxAttempts }),
          secret: null,
          previous_secret: null,
        };
  const row = await db.insertInto('notification_channels').values(values).returningAll().executeTakeFirstOrThrow();
  return toChannel(row);
}

export async function getChannel(db: Kysely<Database>, id: string): Promise<Channel | undefined> {
  const row = await db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toChannel(row);
}

/**
 * Channels visible to a caller, ordered by id. `storeIds` null = every channel; otherwise the
 * fleet-wide ones (store NULL) are left out too, since only unrestricted keys may use them.
 */
export async function listChannels(db: Kysely<Database>, storeIds: readonly string[] | null = null): Promise<Channel[]> {
  let q = db.selectFrom('notification_channels').selectAll().orderBy('id');
  if (storeIds !== null) {
    if (storeIds.length === 0) return [];
    q = q.where('store_id', 'in', storeIds);
  }
  return (await q.execute()).map(toChannel);
}

/**
 * Applies a PATCH. Secret rotation: `rotate` moves the current secret to `previous_secret` (both
 * sign until `previousSecret: null` ends the rotation). Fields that do not belong to the channel's
 * kind are a `validation_failed`. Returns undefined when the channel does not exist.
 */
export async function updateChannel(db: Kysely<Database>, id: string, patch: ChannelPatch): Promise<Channel | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notification_channels').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (row === undefined) return undefined;
    const allowed: readonly string[] = CHANNEL_PATCH_FIELDS[row.kind];
    const foreign = Object.keys(patch).filter((k) => !allowed.includes(k));
    if (foreign.length > 0) {
      throw new AppError('validation_failed', `a ${row.kind} channel has no ${foreign.join(', ')}`, {
        details: { fields: foreign },
      });
    }
    let secret = row.secret;
    let previousSecret = row.previous_secret;
    if (patch.rotate === true) previousSecret = row.secret;
    if (patch.secret !== undefined) secret = patch.secret;
    if (patch.previousSecret !== undefined) previousSecret = patch.previousSecret;
    const config: Record<string, unknown> = { ...row.config };
    for (const key of ['url', 'timeoutMs', 'maxAttempts', 'to'] as const) {
      if (patch[key] !== undefined) config[key] = patch[key];
    }
    const updated = await trx
      .updateTable('notification_channels')
      .set({
        name: patch.name ?? row.name,
        config: JSON.stringify(config),
        secret,
        previous_secret: previousSecret,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toChannel(updated);
  });
}

/** Deletes a channel; false when there was none. Policies naming it then dead-letter its deliveries. */
export async function deleteChannel(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('notification_channels').where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** The channel with its secrets, for the notifier only (never return this from the API). */
export async function getDeliverableChannel(db: Kysely<Database>, id: string): Promise<DeliverableChannel | undefined> {
  const row = await db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDeliverable(row);
}
