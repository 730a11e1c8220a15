// The shipped nats-server configs parse with the real nats-server (`-t`: test configuration).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../nats/', import.meta.url));
const configs = [
  ...readdirSync(dir).filter((f) => f.endsWith('.conf')),
  // with-auth.conf includes files the compose overlay mounts: compose-nats-auth.test.ts checks it.
  ...readdirSync(`${dir}cluster`)
    .filter((f) => f !== 'with-auth.conf')
    .map((f) => `cluster/${f}`),
];

describe('deploy/nats configs', () => {
  it.each(configs)('%s is a valid nats-server configuration', (file) => {
    const r = spawnSync('nats-server', ['-t', '-c', `${dir}${file}`], {
      encoding: 'utf8',
      env: { ...process.env, STORE_ID: 'demo-blr-1', HUB_LEAF_URL: 'nats-leaf://127.0.0.1:7422' },
    });
    expect(`${r.stdout}${r.stderr}`).toContain('is valid');
    expect(r.status).toBe(0);
  });

  it('ships a hub, a leaf and a 3-node cluster', () => {
    expect(configs.sort()).toEqual(['cluster/hub-1.conf', 'cluster/hub-2.conf', 'cluster/hub-3.conf', 'hub.conf', 'leaf.conf']);
  });
});
