// A ShelfSense NATS credentials file: what `deploy/src/nats-auth/nats-credentials.main.ts` writes for each store
// and service. It is an env-style file (KEY=value lines) so the same file serves the Node
// processes (NATS_CREDENTIALS_FILE), systemd's EnvironmentFile= and compose's env_file (the leaf's
// HUB_LEAF_URL). Node-only: imported through `@shelfsense/contracts/nats-credentials`, never from
// the package root the dashboard uses.
import { readFileSync } from 'node:fs';
import { parseEnv as parseEnvFile } from 'node:util';
import { z } from 'zod';

/**
 * The inbox prefix of a store's agent. The hub lets a store subscribe only to its own inboxes, so
 * no store can read replies meant for another (a shared `_INBOX.>` would carry other users' data).
 */
export const storeInboxPrefix = (storeId: string): string => `_INBOX_${storeId}`;

/**
 * The inbox prefix of a service that makes requests (the api's backtest requests). Upper case, which
 * no store id can be, so no store's `_INBOX_<id>.>` permission ever covers it.
 */
export const serviceInboxPrefix = (service: 'api'): string => `_INBOX_SVC_${service.toUpperCase()}`;

/** The env variable every NATS client process reads the path of its credentials file from. */
export const NatsCredentialsFileEnv = z.string().min(1).optional();

const CredentialsFile = z.object({
  NATS_USER: z.string().min(1).max(128),
  NATS_PASSWORD: z.string().min(16, 'must be at least 16 characters').max(256),
});

export interface NatsUserPassword {
  readonly user: string;
  readonly pass: string;
}

/**
 * Reads and checks a credentials file. Errors name the file and the missing or bad keys, never a
 * value, so they are safe to log.
 */
export function readNatsCredentials(path: string): NatsUserPassword {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the NATS credentials file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const parsed = CredentialsFile.safeParse(parseEnvFile(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.code === 'invalid_type' ? 'missing' : i.message}`);
    throw new Error(`the NATS credentials file ${path} is invalid (${issues.join('; ')})`);
  }
  return { user: parsed.data.NATS_USER, pass: parsed.data.NATS_PASSWORD };
}

/** Connection options for `connect()`: user and password from the file, or nothing when unset. */
export function natsAuthOptions(credentialsFile: string | null | undefined): Partial<NatsUserPassword> {
  return credentialsFile === null || credentialsFile === undefined ? {} : readNatsCredentials(credentialsFile);
}
