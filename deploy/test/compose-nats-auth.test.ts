// The compose overlay that turns on per-store and per-service NATS users on the hub
// (deploy/compose/docker-compose.nats-auth.yml). It cannot run here (no Docker engine): its node
// config is checked by the real nats-server (`-t`) with a fragment the generator wrote, and the
// overlay may name only services of the base file and paths that exist or that the generator
// writes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateNatsAuth } from '../src/nats-auth/generate.ts';
import { DEPLOY_DIR, arr, composeServices, obj, readYaml, readYamlDoc, str, text } from './support/deploy-files.ts';

const overlay = join(DEPLOY_DIR, 'compose', 'docker-compose.nats-auth.yml');
const base = join(DEPLOY_DIR, 'compose', 'docker-compose.yml');
const generated = join(DEPLOY_DIR, 'compose', 'nats-auth');
const tmp = mkdtempSync(join(tmpdir(), 'shelfsense-compose-auth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('compose overlay: NATS users on the hub', () => {
  it('parses and names only services of the base file', () => {
    expect(readYaml(overlay).problems).toEqual([]);
    const baseServices = Object.keys(composeServices(base));
    expect(Object.keys(obj(readYamlDoc(overlay)['services'])).filter((s) => !baseServices.includes(s))).toEqual([]);
  });

  it('mounts files that exist or that the generator writes, and gives the services their credentials', async () => {
    const out = join(tmp, 'nats-auth');
    const auth = await generateNatsAuth({ dir: out, stores: ['demo-blr-1'] });
    const writes = new Set([auth.hubAuthFile, auth.serviceFile('processors'), auth.serviceFile('api')].map((f) => f.replace(out, generated)));
    const doc = readYamlDoc(overlay);
    const sources = [
      ...Object.values(obj(doc['services'])).flatMap((s) => arr(obj(s)['volumes']).map((v) => text(v).split(':')[0] ?? '')),
      ...Object.values(obj(doc['secrets'])).map((s) => str(obj(s)['file']) ?? ''),
    ].map((p) => resolve(dirname(overlay), p));
    for (const path of sources) expect(existsSync(path) || writes.has(path), path).toBe(true);
    for (const svc of ['processors', 'api']) {
      const s = obj(obj(doc['services'])[svc]);
      const secret = text(arr(s['secrets'])[0]);
      expect(obj(s['environment'])['NATS_CREDENTIALS_FILE']).toBe(`/run/secrets/${secret}`);
    }
  });

  it.each(['hub-1', 'hub-2', 'hub-3'])('%s with the generated fragment is a valid nats-server configuration', async (node) => {
    // The container's /etc/nats: the wrapper, the node's own config as hub.conf, auth/hub-auth.conf.
    const etc = join(tmp, node);
    mkdirSync(etc, { recursive: true });
    copyFileSync(join(DEPLOY_DIR, 'nats', 'cluster', 'with-auth.conf'), join(etc, 'nats-server.conf'));
    copyFileSync(join(DEPLOY_DIR, 'nats', 'cluster', `${node}.conf`), join(etc, 'hub.conf'));
    await generateNatsAuth({ dir: join(etc, 'auth'), stores: ['demo-blr-1', 'demo-ams-1'] });
    const r = spawnSync('nats-server', ['-t', '-c', join(etc, 'nats-server.conf')], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('is valid');
    expect(r.status).toBe(0);
  });
});
