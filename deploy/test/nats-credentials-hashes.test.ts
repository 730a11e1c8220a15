// The credentials generator reuses a kept password's bcrypt hash (npm start runs it every time) and
// hashes anew only what changed: a rotated password, or a cache entry that no longer matches.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNatsCredentials } from '@shelfsense/contracts/nats-credentials';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { generateNatsAuth, type GenerateResult } from '../src/nats-auth/generate.ts';

const dir = mkdtempSync(join(tmpdir(), 'shelfsense-nats-hashes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** user → bcrypt hash, as written to the hub's fragment. */
const hubHashes = (auth: GenerateResult): Record<string, string> =>
  Object.fromEntries(
    [...readFileSync(auth.hubAuthFile, 'utf8').matchAll(/user: "([^"]+)"[^}]*?password: "([^"]+)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );

describe('NATS credentials generator: bcrypt hashes', () => {
  it('keeps the hashes of kept passwords, makes new ones for rotated or mismatching ones, all valid', async () => {
    const first = await generateNatsAuth({ dir, stores: ['a', 'b'] });
    const before = hubHashes(first);
    expect(Object.keys(before).sort()).toEqual(['api', 'processors', 'store-a', 'store-b']);

    const t0 = performance.now();
    const again = await generateNatsAuth({ dir, stores: ['a', 'b'] });
    const rerunMs = performance.now() - t0;
    expect(hubHashes(again)).toEqual(before);

    const cacheFile = join(dir, 'hub-auth.hashes.json');
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, { sha256: string; hash: string }>;
    const entryB = cache['store-b'];
    if (entryB === undefined) throw new Error('no cached hash for store-b');
    writeFileSync(cacheFile, JSON.stringify({ ...cache, 'store-b': { ...entryB, sha256: '0'.repeat(64) } }));
    const rotated = await generateNatsAuth({ dir, stores: ['a', 'b'], rotate: ['a'] });
    const after = hubHashes(rotated);
    expect(after['store-a']).not.toBe(before['store-a']);
    expect(after['store-b']).not.toBe(before['store-b']); // its cache entry did not match
    expect(after['api']).toBe(before['api']);

    for (const [user, file] of [['store-a', rotated.storeFile('a')], ['store-b', rotated.storeFile('b')], ['api', rotated.serviceFile('api')]] as const)
      expect(bcrypt.compareSync(readNatsCredentials(file).pass, after[user] ?? ''), user).toBe(true);
    // Reported, not asserted: four bcrypt hashes at cost 11 take about 0.75 s here.
    console.log(`rerun with every hash reused: ${rerunMs.toFixed(0)} ms`);
  });
});
