// The environment every deployment file gives a ShelfSense process is checked against that
// process's own config schema: the real `loadConfig` must accept it (so a renamed, misspelled or
// badly valued variable fails here, not at 3 a.m. in a crash-looping pod), and every variable set
// must be a key the schema knows (zod drops unknown keys silently, so a typo would otherwise just
// fall back to the default).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEPLOY_DIR,
  REPO_ROOT,
  allAppProcesses,
  composeServiceEnv,
  composeServices,
  envSchemaKeys,
  k8sContainers,
  k8sDocs,
  loadConfigs,
  natsConfVariables,
  obj,
  schemaModuleOf,
  text,
  type AppProcess,
  type LoadResult,
  type Obj,
} from './support/deploy-files.ts';

// Read by the C library or Node itself, not by the app's config schema.
const RUNTIME_ENV = ['MALLOC_ARENA_MAX'];

const processes = allAppProcesses();
const byModule = Map.groupBy(processes, (p) => schemaModuleOf(p.entry));

// One child process per config module, all of its environments at once (keeps the suite fast).
const results = new Map<AppProcess, LoadResult>();
for (const [module, group] of byModule) {
  if (!module.endsWith('/src/config.ts')) continue;
  loadConfigs(
    join(REPO_ROOT, module),
    group.map((p) => p.env),
  ).forEach((r, i) => results.set(group[i]!, r));
}
const configOf = (p: AppProcess): Obj => {
  const r = results.get(p);
  if (r === undefined) throw new Error(`${p.where}: no loadConfig result`);
  if (!r.ok) throw new Error(`${p.where}: ${r.error}`);
  return r.config;
};
const find = (platform: AppProcess['platform'], entry: string, where = ''): AppProcess[] =>
  processes.filter((p) => p.platform === platform && p.entry === entry && p.where.includes(where));
const hostOf = (url: string): string => new URL(url).hostname;

describe('deployment files start every ShelfSense process with an environment its config accepts', () => {
  it('finds the processes of the compose files, the Kubernetes manifests and the systemd units', () => {
    const seen = (platform: AppProcess['platform']) =>
      [...new Set(processes.filter((p) => p.platform === platform).map((p) => p.entry))].sort();
    expect(seen('compose')).toEqual([
      'api/src/main.ts',
      'db/src/cli.ts',
      'deploy/docker/ensure-edge-stream.mjs',
      'edge-agent/src/main.ts',
      'stream-processors/src/main.ts',
    ]);
    expect(seen('k8s')).toEqual([
      'api/src/main.ts',
      'db/src/cli.ts',
      'deploy/docker/wait-for-migrations.mjs',
      'stream-processors/src/main.ts',
    ]);
    expect(seen('systemd')).toEqual(['edge-agent/src/main.ts']);
  });

  it.each(processes.map((p) => [p.where, p] as const))('%s: runs a file that exists', (_where, p) => {
    expect(existsSync(join(REPO_ROOT, p.entry)), p.entry).toBe(true);
  });

  it.each(processes.map((p) => [p.where, p] as const))('%s: sets only variables its schema knows', (_where, p) => {
    const module = join(REPO_ROOT, schemaModuleOf(p.entry));
    const known = new Set([...envSchemaKeys(module), ...p.allowedExtra, ...RUNTIME_ENV]);
    // An empty key list would make this test pass for anything.
    expect(known.size, `no z.object env schema found in ${schemaModuleOf(p.entry)}`).toBeGreaterThan(0);
    expect([...Object.keys(p.env), ...p.documentedKeys].filter((k) => !known.has(k))).toEqual([]);
  });

  it.each(processes.filter((p) => results.has(p)).map((p) => [p.where, p] as const))(
    '%s: loadConfig accepts its environment',
    (_where, p) => {
      const r = results.get(p)!;
      expect(r.ok ? 'ok' : r.error).toBe('ok');
    },
  );

  it.each(processes.filter((p) => results.has(p) && p.container).map((p) => [p.where, p] as const))(
    '%s: listens on all interfaces on the port the platform routes to',
    (_where, p) => {
      const http = obj(configOf(p).http);
      // The default 127.0.0.1 would be unreachable for probes, healthchecks and published ports.
      expect(http.host).toBe('0.0.0.0');
      for (const port of p.expectedPorts) expect(http.port).toBe(port);
      // deploy/docker/healthcheck.mjs probes $HTTP_PORT.
      expect(p.env.HTTP_PORT).toBe(text(http.port));
    },
  );
});

describe('hub: compose and Kubernetes agree with the NATS cluster and the database', () => {
  const hubCompose = join(DEPLOY_DIR, 'compose', 'docker-compose.yml');
  const services = composeServices(hubCompose);
  const composeHosts = new Set([
    ...Object.keys(services),
    ...Object.values(services).flatMap((s) =>
      Object.values(obj(s.networks)).flatMap((n) => (obj(n).aliases as string[] | undefined) ?? []),
    ),
  ]);
  const natsNodes = Object.values(services).filter((s) => text(s.image).startsWith('nats:')).length;

  it('compose: processors run R3 streams on the 3-node cluster and reach NATS and the database by service name', () => {
    expect(natsNodes).toBe(3);
    const [processors] = find('compose', 'stream-processors/src/main.ts', 'compose/');
    const nats = obj(configOf(processors!).nats);
    expect(nats.replicas).toBe(natsNodes);
    expect(nats.edgeDomains).toEqual(['demo-blr-1', 'demo-ams-1']);
    expect(composeHosts).toContain(hostOf(text(nats.url)));
    expect(composeHosts).toContain(hostOf(text(obj(configOf(processors!).db).url)));
  });

  it('compose: api and migration use the same database as the processors', () => {
    const urls = ['api/src/main.ts', 'stream-processors/src/main.ts', 'db/src/cli.ts'].map(
      (e) => find('compose', e, 'compose/')[0]!.env.DATABASE_URL,
    );
    expect(new Set(urls).size).toBe(1);
    expect(composeHosts).toContain(hostOf(urls[0]!));
    const [api] = find('compose', 'api/src/main.ts', 'compose/');
    expect(composeHosts).toContain(hostOf(text(obj(configOf(api!)).natsUrl)));
    // WEB_DIR is where the Dockerfile copies web/build.
    expect(obj(configOf(api!)).webDir).toBe('/app/web/build');
  });

  it('k8s: processors run as many stream replicas as the NATS StatefulSet has pods, and every client URL names a Service', () => {
    const docs = k8sDocs();
    const nats = docs.find(({ doc }) => doc.kind === 'StatefulSet' && obj(doc.metadata).name === 'nats')!.doc;
    const serviceNames = new Set(docs.filter(({ doc }) => doc.kind === 'Service').map(({ doc }) => text(obj(doc.metadata).name)));
    const [processors] = find('k8s', 'stream-processors/src/main.ts');
    expect(obj(configOf(processors!).nats).replicas).toBe(obj(nats.spec).replicas);
    const [api] = find('k8s', 'api/src/main.ts');
    for (const url of [text(obj(configOf(processors!).nats).url), text(obj(configOf(api!)).natsUrl)])
      expect(serviceNames).toContain(hostOf(url));
    expect(serviceNames).toContain(hostOf(processors!.env.DATABASE_URL!)); // SAMPLE_VALUES uses the timescaledb Service
  });

  it('k8s: liveness probes /healthz and readiness probes /readyz on the configured port', () => {
    const apps = k8sContainers(k8sDocs()).filter(
      (c) => !c.init && c.container.image === 'shelfsense' && obj(c.workload).kind === 'Deployment',
    );
    expect(apps.map((c) => c.container.name).sort()).toEqual(['api', 'processors']);
    for (const { container } of apps) {
      const portNames = new Map((container.ports as Obj[]).map((p) => [p.name, p.containerPort]));
      const probe = (name: string) => obj(obj(container[name]).httpGet);
      const portOf = (p: Obj) => (typeof p.port === 'string' ? portNames.get(p.port) : p.port);
      expect(probe('livenessProbe').path).toBe('/healthz');
      expect(probe('readinessProbe').path).toBe('/readyz');
      expect(portOf(probe('livenessProbe'))).toBe(portNames.get('http'));
      expect(portOf(probe('readinessProbe'))).toBe(portNames.get('http'));
    }
  });
});

describe('edge: the leaf node, the stream provisioning and the agent agree on the store', () => {
  const edgeCompose = join(DEPLOY_DIR, 'edge', 'docker-compose.yml');
  const leafConf = join(DEPLOY_DIR, 'nats', 'leaf.conf');

  it('compose: the leaf gets exactly the variables leaf.conf expands', () => {
    const leaf = composeServices(edgeCompose)['nats-leaf']!;
    expect(Object.keys(composeServiceEnv(edgeCompose, leaf).env).sort()).toEqual(natsConfVariables(leafConf));
  });

  it('compose: agent, stream provisioning and leaf use one STORE_ID (the leaf JetStream domain) and the leaf service', () => {
    const leafEnv = composeServiceEnv(edgeCompose, composeServices(edgeCompose)['nats-leaf']!).env;
    const [agent] = find('compose', 'edge-agent/src/main.ts', 'edge/');
    const [stream] = find('compose', 'deploy/docker/ensure-edge-stream.mjs', 'edge/');
    expect(obj(configOf(agent!).store).id).toBe(leafEnv.STORE_ID);
    expect(stream!.env.STORE_ID).toBe(leafEnv.STORE_ID);
    expect(hostOf(text(obj(configOf(agent!).nats).url))).toBe('nats-leaf');
    expect(stream!.env.NATS_URL).toBe(obj(configOf(agent!).nats).url);
  });

  it('systemd: the agent publishes to the leaf on the address leaf.conf listens on', () => {
    const [agent] = find('systemd', 'edge-agent/src/main.ts');
    const listen = /^listen:\s*(\S+)/m.exec(readFileSync(leafConf, 'utf8'))?.[1];
    expect(new URL(text(obj(configOf(agent!).nats).url)).host).toBe(listen);
    // POS webhooks come from the store LAN.
    expect(obj(configOf(agent!).http)).toEqual({ host: '0.0.0.0', port: 8090 });
  });
});
