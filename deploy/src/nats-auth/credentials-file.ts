// Writes one credentials file per store or service (mode 600, never printed) in the env format
// `@shelfsense/contracts/nats-credentials` reads.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { readNatsCredentials } from '@shelfsense/contracts/nats-credentials';

/** 32 random bytes, base64url: safe unescaped in a URL's user-info and in an env file. */
export const newPassword = (): string => randomBytes(32).toString('base64url');

export interface CredentialsFileContent {
  readonly user: string;
  readonly password: string;
  /** Only for store files: the leaf's remote URL with the credentials in it (leaf.conf's HUB_LEAF_URL). */
  readonly hubLeafUrl?: string;
  readonly comment: string;
}

/**
 * What a previous run wrote to `path` (kept across runs): the password and the hub's leafnode URL
 * without its credentials. Undefined when there is no file.
 */
export function existingCredentials(path: string): { password: string; hubLeafUrl?: string } | undefined {
  if (!existsSync(path)) return undefined;
  const { pass } = readNatsCredentials(path);
  const leaf = parseEnv(readFileSync(path, 'utf8')).HUB_LEAF_URL;
  if (leaf === undefined) return { password: pass };
  const url = new URL(leaf);
  url.username = '';
  url.password = '';
  return { password: pass, hubLeafUrl: url.toString().replace(/\/$/, '') };
}

/** `nats-leaf://host:7422` → `nats-leaf://<user>:<password>@host:7422`. */
export function leafUrlWithCredentials(hubLeafUrl: string, user: string, password: string): string {
  const url = new URL(hubLeafUrl);
  url.username = user;
  url.password = password;
  return url.toString().replace(/\/$/, '');
}

export function writeCredentialsFile(path: string, c: CredentialsFileContent): void {
  const lines = [
    `# ${c.comment}`,
    '# Secret: keep it mode 600, never commit, print or paste it. Rotate with deploy/src/nats-auth/nats-credentials.main.ts --rotate.',
    `NATS_USER=${c.user}`,
    `NATS_PASSWORD=${c.password}`,
    ...(c.hubLeafUrl !== undefined ? [`HUB_LEAF_URL=${c.hubLeafUrl}`] : []),
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode on write
}
