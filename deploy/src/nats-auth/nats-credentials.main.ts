// Per-store and service credentials for the hub's NATS (deploy/README.md "NATS credentials").
//
//   npm run -w deploy nats-credentials -- --out /etc/shelfsense/nats-auth \
//     --stores blr-1,ams-1 [--hub-leaf-url tls://hub.example.com:7422] [--rotate blr-1]
//
// Writes <out>/hub-auth.conf (bcrypt hashes; include it in the hub's config), <out>/stores/<id>.env
// and <out>/services/{processors,api}.env (mode 600). Prints names and paths, never a secret.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TokenId } from '@shelfsense/contracts';
import { z } from 'zod';
import { generateNatsAuth } from './generate.ts';

const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
const Args = z.object({
  out: z.string().min(1, 'required: the output directory'),
  stores: csv.pipe(z.array(TokenId)),
  'hub-leaf-url': z.url({ protocol: /^(nats-leaf|tls|nats)$/ }).optional(),
  rotate: csv.default([]),
});

try {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, stores: { type: 'string' }, 'hub-leaf-url': { type: 'string' }, rotate: { type: 'string' } },
  });
  const parsed = Args.safeParse({ ...values, out: values.out ?? '', stores: values.stores ?? '' });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  const a = parsed.data;
  // `npm run -w deploy` runs in deploy/: a relative --out is meant from where npm was started.
  const dir = resolve(process.env.INIT_CWD ?? process.cwd(), a.out);
  const r = await generateNatsAuth({ dir, stores: a.stores, hubLeafUrl: a['hub-leaf-url'], rotate: a.rotate });
  const say = (what: string, names: string[]) => names.length > 0 && console.log(`${what}: ${names.join(', ')}`);
  say('created', r.created);
  say('kept', r.kept);
  say('rotated', r.rotated);
  say('revoked', r.revoked);
  console.log(`hub auth fragment: ${r.hubAuthFile} (include it in the hub config, then nats-server --signal reload)`);
  console.log(`store files:       ${r.storeFile('<store>')}`);
  console.log(`service files:     ${r.serviceFile('<service>')}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
