// Generates the hub's auth fragment and one credentials file per store and service. Idempotent:
// existing passwords are kept unless rotated; a store left out of the list is revoked (its user
// leaves the hub config and its file is deleted).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { existingCredentials, leafUrlWithCredentials, newPassword, writeCredentialsFile } from './credentials-file.ts';
import { renderHubAuthConfig, type HubUser } from './hub-auth-config.ts';
import { SERVICE_NAMES, SERVICE_PERMISSIONS, storePermissions, storeUser } from './permissions.ts';

/** nats-server's own default cost (`nats server passwd`). */
const BCRYPT_COST = 11;

export interface GenerateOptions {
  /** Output directory: `hub-auth.conf`, `stores/<id>.env`, `services/<name>.env`. */
  readonly dir: string;
  readonly stores: readonly string[];
  /**
   * The hub's leafnode URL (`nats-leaf://hub.example.com:7422`); adds HUB_LEAF_URL to store files.
   * Unset: a store file keeps the one it has.
   */
  readonly hubLeafUrl?: string;
  /** Store ids or service names whose passwords are replaced. */
  readonly rotate?: readonly string[];
}

export interface GenerateResult {
  readonly hubAuthFile: string;
  readonly storeFile: (storeId: string) => string;
  readonly serviceFile: (name: string) => string;
  /** Names only: what happened to each credential. */
  readonly created: string[];
  readonly kept: string[];
  readonly rotated: string[];
  readonly revoked: string[];
}

/**
 * bcrypt hashes of the previous run, by user, with the SHA-256 of the password each was made from:
 * a kept password reuses its hash instead of paying bcrypt's cost again (0.75 s of CPU for four users
 * on every `npm start`). The file sits beside the plaintext credentials, mode 600, and says nothing
 * they do not: the passwords are 32 random bytes, so the digest gives no shortcut to them.
 */
type HashCache = Record<string, { readonly sha256: string; readonly hash: string }>;

const sha256 = (password: string) => createHash('sha256').update(password).digest('hex');

function readHashCache(file: string): HashCache {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as HashCache) : {};
  } catch {
    return {}; // unreadable: every hash is made anew and the file rewritten
  }
}

export async function generateNatsAuth(opts: GenerateOptions): Promise<GenerateResult> {
  const storesDir = join(opts.dir, 'stores');
  const servicesDir = join(opts.dir, 'services');
  for (const d of [opts.dir, storesDir, servicesDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const rotate = new Set(opts.rotate ?? []);
  const result = {
    hubAuthFile: join(opts.dir, 'hub-auth.conf'),
    storeFile: (id: string) => join(storesDir, `${id}.env`),
    serviceFile: (name: string) => join(servicesDir, `${name}.env`),
    created: [] as string[],
    kept: [] as string[],
    rotated: [] as string[],
    revoked: [] as string[],
  };
  const users: HubUser[] = [];
  const hashCacheFile = join(opts.dir, 'hub-auth.hashes.json');
  const previousHashes = readHashCache(hashCacheFile);
  const hashes: HashCache = {};
  const hashOf = async (user: string, password: string) => {
    const digest = sha256(password);
    const cached = previousHashes[user];
    const hash = cached?.sha256 === digest && typeof cached.hash === 'string' ? cached.hash : await bcrypt.hash(password, BCRYPT_COST);
    hashes[user] = { sha256: digest, hash };
    return hash;
  };

  const credential = async (name: string, file: string, user: string, permissions: HubUser['permissions'], leaf: boolean) => {
    const existing = existingCredentials(file);
    const previous = existing?.password;
    const password = previous !== undefined && !rotate.has(name) ? previous : newPassword();
    const hubLeafUrl = opts.hubLeafUrl ?? existing?.hubLeafUrl;
    (previous === undefined ? result.created : password === previous ? result.kept : result.rotated).push(name);
    writeCredentialsFile(file, {
      user,
      password,
      hubLeafUrl: leaf && hubLeafUrl !== undefined ? leafUrlWithCredentials(hubLeafUrl, user, password) : undefined,
      comment: `ShelfSense hub NATS credentials of ${leaf ? 'store' : 'service'} ${name}.`,
    });
    users.push({ user, passwordHash: await hashOf(user, password), permissions });
  };

  for (const id of new Set(opts.stores)) await credential(id, result.storeFile(id), storeUser(id), storePermissions(id), true);
  for (const name of SERVICE_NAMES) await credential(name, result.serviceFile(name), name, SERVICE_PERMISSIONS[name], false);

  const listed = new Set(opts.stores.map((id) => `${id}.env`));
  for (const file of readdirSync(storesDir)) {
    if (file.endsWith('.env') && !listed.has(file)) {
      rmSync(join(storesDir, file));
      result.revoked.push(file.slice(0, -'.env'.length));
    }
  }
  writeFileSync(result.hubAuthFile, renderHubAuthConfig(users), { mode: 0o600 });
  chmodSync(result.hubAuthFile, 0o600);
  // Only the users written now: a revoked store's hash leaves with it.
  writeFileSync(hashCacheFile, `${JSON.stringify(hashes, null, 1)}\n`, { mode: 0o600 });
  chmodSync(hashCacheFile, 0o600);
  return result;
}
