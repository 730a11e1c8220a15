import type { Role, User } from '@shelfsense/contracts';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { hashPassword } from '../lib/password.ts';

const COLUMNS = ['users.id', 'email', 'name', 'role', 'store_ids', 'created_at', 'disabled_at'] as const;

type Row = { id: string; email: string; name: string; role: string; store_ids: string[] | null; created_at: Date; disabled_at: Date | null };

const lockedUntilOf = sql<Date | null>`(SELECT lf.locked_until FROM login_failures lf WHERE lf.subject = 'email:' || users.email AND lf.locked_until > now())`;

const toUser = (r: Row & { locked_until: Date | null }): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role as Role,
  storeIds: r.store_ids,
  createdAt: r.created_at.toISOString(),
  disabled: r.disabled_at !== null,
  lockedUntil: r.locked_until?.toISOString() ?? null,
});

/** Creates a user; undefined when the email is taken. The password is hashed here (scrypt). */
export async function createUser(
  db: Kysely<Database>,
  input: { email: string; name: string; role: Role; storeIds?: readonly string[] | null | undefined; password: string },
): Promise<User | undefined> {
  const id = randomBytes(8).toString('hex');
  const inserted = await db
    .insertInto('users')
    .values({
      id,
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      store_ids: input.role === 'admin' || !input.storeIds ? null : [...input.storeIds],
      password_hash: await hashPassword(input.password),
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted === undefined ? undefined : getUser(db, id);
}

export async function listUsers(db: Kysely<Database>): Promise<User[]> {
  const rows = await db.selectFrom('users').select([...COLUMNS, lockedUntilOf.as('locked_until')]).orderBy('email').execute();
  return rows.map(toUser);
}

export async function getUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select([...COLUMNS, lockedUntilOf.as('locked_until')]).where('users.id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** The login lookup: the stored hash of an enabled account. */
export async function findLoginUser(db: Kysely<Database>, email: string): Promise<{ id: string; passwordHash: string } | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, passwordHash: row.password_hash };
}

export async function getPasswordHash(db: Kysely<Database>, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  return row?.password_hash;
}

/**
 * Changes a user. A new password or disabling ends every session of the user (but `keepSessionId`,
 * the session that changed its own password). Undefined when the user does not exist.
 */
export async function updateUser(
  db: Kysely<Database>,
  id: string,
  change: { name?: string | undefined; role?: Role | undefined; storeIds?: readonly string[] | null | undefined; password?: string | undefined; disabled?: boolean | undefined },
  keepSessionId?: string,
): Promise<User | undefined> {
  const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
  const done = await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('users').select(['role', 'store_ids']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (current === undefined) return false;
    const role = change.role ?? (current.role as Role);
    const storeIds = role === 'admin' ? null : change.storeIds !== undefined ? change.storeIds && [...change.storeIds] : current.store_ids;
    await trx
      .updateTable('users')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        role,
        store_ids: storeIds,
        ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
        ...(change.disabled !== undefined ? { disabled_at: change.disabled ? sql<Date>`coalesce(disabled_at, now())` : null } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    if (passwordHash !== undefined || change.disabled === true) {
      let q = trx.updateTable('sessions').set({ revoked_at: sql<Date>`now()` }).where('user_id', '=', id).where('revoked_at', 'is', null);
      if (keepSessionId !== undefined) q = q.where('id', '<>', keepSessionId);
      await q.execute();
    }
    return true;
  });
  return done ? getUser(db, id) : undefined;
}

/** Deletes a user and (cascade) their sessions; false when unknown. */
export async function deleteUser(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
