// Readers for the deployment files (compose, Kubernetes, systemd, env files) shared by the deploy
// tests: YAML parsing, compose interpolation, and the environment each ShelfSense process gets.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const rel = (file: string): string => relative(REPO_ROOT, file);

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A YAML value as text: scalars as written, anything else as JSON (never "[object Object]"). */
export const text = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? v.toString()
      : v === null || v === undefined
        ? ''
        : JSON.stringify(v);

export function listFiles(dir: string, suffixes: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export const composeFiles = (): string[] => [
  join(DEPLOY_DIR, 'compose', 'docker-compose.yml'),
  join(DEPLOY_DIR, 'edge', 'docker-compose.yml'),
];
export const k8sFiles = (): string[] => listFiles(join(DEPLOY_DIR, 'k8s'), ['.yaml', '.yml']);

/**
 * Every document of a YAML file as plain data. YAML 1.1 on purpose: docker compose and kubectl use
 * Go YAML libraries that still read `on`/`off`/`yes`/`no` as booleans, so parsing the same way makes
 * an unquoted `off` show up as a non-string env value. Merge keys (`<<: *anchor`) are allowed.
 */
export function readYaml(file: string): { docs: Json[]; problems: string[] } {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1', merge: true, prettyErrors: true });
  if (!Array.isArray(docs)) return { docs: [], problems: [] }; // empty file
  const problems = docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => `${rel(file)}: ${e.message}`));
  return { docs: docs.map((d) => d.toJS({ maxAliasCount: 100 }) as Json).filter((d) => d !== null), problems };
}

export function readYamlDoc(file: string): Obj {
  const { docs, problems } = readYaml(file);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return obj(docs[0]);
}

/** `KEY=value` lines of an env file; `#KEY=value` lines are documented-but-unset keys. */
export function readEnvFile(file: string): { values: Record<string, string>; commented: string[] } {
  const values: Record<string, string> = {};
  const commented: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    const off = /^#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (off?.[1] !== undefined) commented.push(off[1]);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    values[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return { values, commented };
}

/**
 * Values the tests use for what operators supply: required `${VAR:?…}` compose variables, env files
 * they create, and Secrets. Plausible, so the schemas' checks (URL, token id) really run on them.
 */
export const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  POSTGRES_PASSWORD: 'sample-password',
  STORE_ID: 'demo-blr-1',
  HUB_LEAF_URL: 'nats-leaf://hub.example.com:7422',
  DATABASE_URL: 'postgres://shelfsense:sample-password@timescaledb:5432/shelfsense',
};

/** Names of the variables a compose file interpolates (`${VAR…}` / `$VAR`; `$$` is a literal `$`; not in comments). */
export function composeVariables(text: string): string[] {
  const names = new Set<string>();
  const content = text.replace(/^\s*#.*$/gm, '').replaceAll('$$', '');
  for (const m of content.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)) names.add((m[1] ?? m[2])!);
  return [...names].sort();
}

/**
 * docker compose interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `$VAR`, `$$`. A variable that is unset without a default is an error here
 * (compose would silently substitute an empty string).
 */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = vars[name];
      const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
      if (set) return value!;
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new Error(`required variable ${name}: ${arg ?? ''}`);
      throw new Error(`variable ${name} has no value and no default`);
    },
  );
}

/** A ShelfSense process as a deployment file starts it: `node <entry>` with this environment. */
export interface AppProcess {
  /** Where it is declared, e.g. `deploy/compose/docker-compose.yml processors`. */
  readonly where: string;
  readonly platform: 'compose' | 'k8s' | 'systemd';
  /** Repo-relative script run by node, e.g. `api/src/main.ts`. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** Keys documented but commented out in its env files (spelling still checked). */
  readonly documentedKeys: readonly string[];
  /** Variables set for another program sharing an env file (systemd: the leaf's STORE_ID/HUB_LEAF_URL). */
  readonly allowedExtra: readonly string[];
  /** Container port the platform routes to / probes (compose `ports` target, k8s port `http`). */
  readonly expectedPorts: readonly number[];
  /** Long-running HTTP service in a container: must bind all interfaces. */
  readonly container: boolean;
  /** The raw declaration (compose service, k8s container, systemd unit). */
  readonly declaration: Obj;
}

const nodeEntry = (command: readonly string[]): string | undefined =>
  command[0] === 'node' || command[0] === '/usr/bin/node' ? command.find((c, i) => i > 0 && !c.startsWith('-')) : undefined;

export const splitCommand = (command: unknown): string[] =>
  typeof command === 'string' ? command.split(/\s+/).filter((s) => s.length > 0) : arr(command).map((c) => text(c));

// ---------------------------------------------------------------------------------------- compose

export function composeServices(file: string): Record<string, Obj> {
  const services = obj(readYamlDoc(file).services);
  return Object.fromEntries(Object.entries(services).map(([k, v]) => [k, obj(v)]));
}

function composeEnvironment(service: Obj): Record<string, string | null> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env
        .map((e) => text(e))
        .map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])),
    );
  }
  return Object.fromEntries(
    Object.entries(obj(env)).map(([k, v]) => [k, v === null ? null : typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/** env_file entries as `{ path, required }`, paths resolved against the compose file's folder. */
export function composeEnvFiles(file: string, service: Obj): { path: string; required: boolean }[] {
  const raw = service.env_file;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((e) =>
    typeof e === 'string'
      ? { path: join(dirname(file), e), required: true }
      : { path: join(dirname(file), text(obj(e).path)), required: obj(e).required !== false },
  );
}

/** The environment compose gives a service: env files (their `.example` when not created yet), then `environment`. */
export function composeServiceEnv(file: string, service: Obj): { env: Record<string, string>; documentedKeys: string[] } {
  const env: Record<string, string> = {};
  const documentedKeys: string[] = [];
  for (const f of composeEnvFiles(file, service)) {
    const path = existsSync(f.path) ? f.path : `${f.path}.example`;
    if (!existsSync(path))
      throw new Error(`${rel(file)}: env_file ${rel(f.path)} has neither the file nor ${basename(f.path)}.example`);
    const parsed = readEnvFile(path);
    Object.assign(env, Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, interpolate(v, SAMPLE_VALUES)])));
    documentedKeys.push(...parsed.commented);
  }
  for (const [k, v] of Object.entries(composeEnvironment(service))) {
    if (v === null) throw new Error(`${rel(file)}: ${k} is passed through from the host environment; set it explicitly`);
    env[k] = interpolate(v, SAMPLE_VALUES);
  }
  return { env, documentedKeys };
}

/** Container-side port of a compose `ports` entry (`"8080:8080"`, `"127.0.0.1:7422:7422"`, long form). */
export function composePortTarget(entry: Json): number {
  if (isObj(entry)) return Number(entry.target);
  const s = text(entry).split('/')[0]!;
  return Number(s.slice(s.lastIndexOf(':') + 1));
}

export function composeAppProcesses(file: string): AppProcess[] {
  return Object.entries(composeServices(file)).flatMap(([name, service]) => {
    const entry = nodeEntry(splitCommand(service.command));
    if (entry === undefined) return [];
    const { env, documentedKeys } = composeServiceEnv(file, service);
    return [
      {
        where: `${rel(file)} ${name}`,
        platform: 'compose' as const,
        entry,
        env,
        documentedKeys,
        allowedExtra: [],
        expectedPorts: arr(service.ports).map((p) => composePortTarget(interpolateJson(p))),
        container: true,
        declaration: service,
      },
    ];
  });
}

const interpolateJson = (v: Json): Json => (typeof v === 'string' ? interpolate(v, SAMPLE_VALUES) : v);

// ------------------------------------------------------------------------------------- kubernetes

export interface K8sContainer {
  readonly workload: Obj;
  readonly podSpec: Obj;
  readonly container: Obj;
  readonly init: boolean;
  readonly where: string;
}

export function k8sDocs(): { file: string; doc: Obj }[] {
  return k8sFiles().flatMap((file) => {
    const { docs, problems } = readYaml(file);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    return docs.map((doc) => ({ file, doc: obj(doc) }));
  });
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

export function k8sContainers(docs: readonly { file: string; doc: Obj }[]): K8sContainer[] {
  return docs
    .filter(({ doc }) => WORKLOAD_KINDS.has(text(doc.kind)))
    .flatMap(({ file, doc }) => {
      const podSpec = obj(obj(obj(doc.spec).template).spec);
      const name = `${rel(file)} ${text(doc.kind)}/${text(obj(doc.metadata).name)}`;
      return [
        ...arr(podSpec.initContainers).map((c) => ({
          workload: doc,
          podSpec,
          container: obj(c),
          init: true,
          where: `${name} init:${text(obj(c).name)}`,
        })),
        ...arr(podSpec.containers).map((c) => ({
          workload: doc,
          podSpec,
          container: obj(c),
          init: false,
          where: `${name} ${text(obj(c).name)}`,
        })),
      ];
    });
}

/** A container's environment with Secret values from SAMPLE_VALUES and ConfigMaps from the manifests. */
export function k8sContainerEnv(container: Obj, docs: readonly { doc: Obj }[]): Record<string, string> {
  const configMap = (name: string): Obj => {
    const cm = docs.find(({ doc }) => doc.kind === 'ConfigMap' && obj(doc.metadata).name === name);
    if (cm === undefined) throw new Error(`ConfigMap ${name} is referenced but not in the manifests`);
    return obj(cm.doc.data);
  };
  const env: Record<string, string> = {};
  for (const from of arr(container.envFrom).map(obj)) {
    const cmName = str(obj(from.configMapRef).name);
    if (cmName === undefined)
      throw new Error(`envFrom other than configMapRef is not supported by this test: ${JSON.stringify(from)}`);
    Object.assign(env, Object.fromEntries(Object.entries(configMap(cmName)).map(([k, v]) => [k, text(v)])));
  }
  for (const e of arr(container.env).map(obj)) {
    const name = text(e.name);
    if ('value' in e) {
      if (typeof e.value !== 'string')
        throw new Error(`env ${name}: value must be a string in Kubernetes, got ${JSON.stringify(e.value)}`);
      env[name] = e.value;
      continue;
    }
    const from = obj(e.valueFrom);
    if (isObj(from.secretKeyRef)) {
      const sample = SAMPLE_VALUES[name];
      if (sample === undefined) throw new Error(`env ${name} comes from a Secret; add a plausible value to SAMPLE_VALUES`);
      env[name] = sample;
    } else if (isObj(from.configMapKeyRef)) {
      const v = configMap(text(from.configMapKeyRef.name))[text(from.configMapKeyRef.key)];
      if (v === undefined) throw new Error(`env ${name}: key ${text(from.configMapKeyRef.key)} missing in its ConfigMap`);
      env[name] = text(v);
    } else if (isObj(from.fieldRef)) {
      env[name] = 'sample-pod-0';
    } else {
      throw new Error(`env ${name}: unsupported valueFrom ${JSON.stringify(from)}`);
    }
  }
  return env;
}

export function k8sAppProcesses(): AppProcess[] {
  const docs = k8sDocs();
  return k8sContainers(docs).flatMap(({ container, init, where }) => {
    const entry = nodeEntry(splitCommand(container.command));
    if (entry === undefined) return [];
    const httpPort = arr(container.ports)
      .map(obj)
      .find((p) => p.name === 'http')?.containerPort;
    return [
      {
        where,
        platform: 'k8s' as const,
        entry,
        env: k8sContainerEnv(container, docs),
        documentedKeys: [],
        allowedExtra: [],
        expectedPorts: httpPort === undefined ? [] : [Number(httpPort)],
        container: !init,
        declaration: container,
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------- systemd

export interface SystemdUnit {
  readonly file: string;
  readonly sections: Record<string, { key: string; value: string }[]>;
}

export function readUnit(file: string): SystemdUnit {
  const sections: SystemdUnit['sections'] = {};
  let current: { key: string; value: string }[] | undefined;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = sections[section[1]] ??= [];
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 1) throw new Error(`${rel(file)}: cannot read line "${line}"`);
    current.push({ key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return { file, sections };
}

export const unitValues = (unit: SystemdUnit, section: string, key: string): string[] =>
  (unit.sections[section] ?? []).filter((e) => e.key === key).map((e) => e.value);

export const systemdUnits = (): SystemdUnit[] => listFiles(join(DEPLOY_DIR, 'systemd'), ['.service']).map(readUnit);

/** Where a device path of the install maps in this repository (deploy/README.md "systemd"). */
export function repoPathOf(devicePath: string): string | undefined {
  if (devicePath.startsWith('/opt/shelfsense/')) return join(REPO_ROOT, devicePath.slice('/opt/shelfsense/'.length));
  if (devicePath.startsWith('/etc/shelfsense/nats/'))
    return join(DEPLOY_DIR, 'nats', devicePath.slice('/etc/shelfsense/nats/'.length));
  if (devicePath.startsWith('/etc/shelfsense/') && devicePath.endsWith('.env'))
    return join(DEPLOY_DIR, 'systemd', `${basename(devicePath)}.example`);
  return undefined;
}

/** `$VAR` names a nats-server config expands from the environment (comments ignored). */
export const natsConfVariables = (file: string): string[] => {
  const text = readFileSync(file, 'utf8').replace(/^\s*(#|\/\/).*$/gm, '');
  return [...new Set([...text.matchAll(/\$([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))].sort();
};

function unitEnv(unit: SystemdUnit): { env: Record<string, string>; documentedKeys: string[]; files: string[] } {
  const env: Record<string, string> = {};
  const documentedKeys: string[] = [];
  const files: string[] = [];
  for (const ref of unitValues(unit, 'Service', 'EnvironmentFile')) {
    const devicePath = ref.replace(/^-/, '');
    const local = repoPathOf(devicePath);
    if (local === undefined || !existsSync(local))
      throw new Error(`${rel(unit.file)}: no example for EnvironmentFile ${devicePath} (expected ${local ?? '?'})`);
    files.push(devicePath);
    const parsed = readEnvFile(local);
    Object.assign(env, parsed.values);
    documentedKeys.push(...parsed.commented);
  }
  for (const line of unitValues(unit, 'Service', 'Environment')) {
    for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) {
      const assignment = m[1] ?? m[2]!;
      const eq = assignment.indexOf('=');
      env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  return { env, documentedKeys, files };
}

export function systemdAppProcesses(): AppProcess[] {
  const units = systemdUnits();
  // Variables that units sharing an env file set for their own program (the leaf's nats config).
  const varsForFile = new Map<string, string[]>();
  for (const unit of units) {
    const conf = splitCommand(unitValues(unit, 'Service', 'ExecStart')[0] ?? '').find((a) => a.endsWith('.conf'));
    const local = conf === undefined ? undefined : repoPathOf(conf);
    if (local === undefined) continue;
    for (const f of unitEnv(unit).files) varsForFile.set(f, [...(varsForFile.get(f) ?? []), ...natsConfVariables(local)]);
  }
  return units.flatMap((unit) => {
    const entry = nodeEntry(splitCommand(unitValues(unit, 'Service', 'ExecStart')[0] ?? ''));
    if (entry === undefined) return [];
    const { env, documentedKeys, files } = unitEnv(unit);
    return [
      {
        where: rel(unit.file),
        platform: 'systemd' as const,
        entry: entry.replace(/^\/opt\/shelfsense\//, ''),
        env,
        documentedKeys,
        allowedExtra: files.flatMap((f) => varsForFile.get(f) ?? []),
        expectedPorts: [],
        container: false,
        declaration: {},
      },
    ];
  });
}

// -------------------------------------------------------------------------------- config schemas

/**
 * The module whose env schema governs an entry: a deployable's `src/main.ts` reads
 * `src/config.ts`; scripts (db/src/cli.ts, deploy/docker/*.mjs) declare their own.
 */
export const schemaModuleOf = (entry: string): string =>
  entry.endsWith('/src/main.ts') ? entry.replace(/main\.ts$/, 'config.ts') : entry;

/**
 * Keys of the env schema in a module: every `z.object({ … })` literal whose keys are all
 * UPPER_SNAKE_CASE. Read from the source with the TypeScript parser because the config modules do
 * not export their `Env` schema and other workspaces may not be deep-imported.
 */
export function envSchemaKeys(moduleFile: string): string[] {
  const text = readFileSync(moduleFile, 'utf8');
  const source = ts.createSourceFile(
    moduleFile,
    text,
    ts.ScriptTarget.Latest,
    true,
    moduleFile.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS,
  );
  const keys = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'object' &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'z'
    ) {
      const literal = node.arguments[0];
      if (literal !== undefined && ts.isObjectLiteralExpression(literal)) {
        const names = literal.properties.map((p) =>
          p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : '',
        );
        if (names.length > 0 && names.every((n) => /^[A-Z][A-Z0-9_]*$/.test(n))) for (const n of names) keys.add(n);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...keys].sort();
}

export type LoadResult = { ok: true; config: Obj } | { ok: false; error: string };

/**
 * Runs the module's real `loadConfig` on each environment in one child process (a deep import
 * into another workspace is not allowed from here). Returns the parsed config or the
 * error message listing every bad variable.
 */
export function loadConfigs(moduleFile: string, envs: readonly Readonly<Record<string, string>>[]): LoadResult[] {
  const script = `
    const [url, envs] = process.argv.slice(1);
    const { loadConfig } = await import(url);
    const results = JSON.parse(envs).map((env) => {
      try { return { ok: true, config: loadConfig(env) }; }
      catch (err) { return { ok: false, error: err instanceof Error ? err.message : text(err) }; }
    });
    process.stdout.write(JSON.stringify(results));`;
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, pathToFileURL(moduleFile).href, JSON.stringify(envs)],
    {
      encoding: 'utf8',
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 30_000,
    },
  );
  if (r.status !== 0) throw new Error(`loading ${rel(moduleFile)} failed (exit ${text(r.status)}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadResult[];
}

/** Every ShelfSense process the compose files, the Kubernetes manifests and the systemd units start. */
export const allAppProcesses = (): AppProcess[] => [
  ...composeFiles().flatMap(composeAppProcesses),
  ...k8sAppProcesses(),
  ...systemdAppProcesses(),
];
