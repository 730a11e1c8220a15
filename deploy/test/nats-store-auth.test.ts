// Per-store hub credentials on a real nats-server: the generator's hub auth fragment and files let
// a store publish its own events and nothing else, read nothing of another store, and its leaf
// node can neither forward another store's subjects nor answer for another store's domain.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { edgeStreamDefinition, subjects } from '@shelfsense/contracts';
import { readNatsCredentials, serviceInboxPrefix, storeInboxPrefix } from '@shelfsense/contracts/nats-credentials';
import { eventually, freePort, startNats, type TestNats } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNatsAuth, type GenerateResult } from '../src/nats-auth/generate.ts';

const A = 'store-a';
const B = 'store-b';

describe('per-store NATS credentials on the hub', () => {
  let dir: string;
  let auth: GenerateResult;
  let leafPort: number;
  let hub: TestNats;
  let svc: NatsConnection;
  const opened: NatsConnection[] = [];
  const leaves: TestNats[] = [];

  const hubConfig = () => `${readFileSync(auth.hubAuthFile, 'utf8')}\nleafnodes { listen: "127.0.0.1:${leafPort}" }`;
  const connectAs = async (file: string, storeId?: string) => {
    const nc = await connect({
      servers: hub.url,
      ...readNatsCredentials(file),
      ...(storeId !== undefined ? { inboxPrefix: storeInboxPrefix(storeId) } : {}),
    });
    opened.push(nc);
    return nc;
  };
  /** A store's leaf node as leaf.conf configures it, minus (when `tampered`) its deny rules. */
  const startLeaf = async (domain: string, credentialsOf: string, tampered: boolean) => {
    const { user, pass } = readNatsCredentials(auth.storeFile(credentialsOf));
    const deny = tampered ? '' : ', deny_exports: ["retail.>"], deny_imports: ["retail.>"]';
    const leaf = await startNats({
      domain,
      extraConfig: `leafnodes { reconnect: 1, remotes: [ { url: "nats-leaf://${user}:${pass}@127.0.0.1:${leafPort}"${deny} } ] }`,
    });
    leaves.push(leaf);
    const nc = await connect({ servers: leaf.url });
    opened.push(nc);
    return { leaf, nc };
  };
  const count = async (stream: string, subject: string) => {
    const info = await (await jetstreamManager(svc)).streams.info(stream, { subjects_filter: subject });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shelfsense-nats-auth-'));
    auth = await generateNatsAuth({ dir, stores: [A, B], hubLeafUrl: 'nats-leaf://127.0.0.1:7422' });
    leafPort = await freePort();
    hub = await startNats({ domain: 'hub', extraConfig: hubConfig() });
    svc = await connectAs(auth.serviceFile('processors'));
    const jsm = await jetstreamManager(svc);
    // The hub's RETAIL_POS as the processors provision it: own subjects plus A's leaf as a source.
    await jsm.streams.add({
      name: 'RETAIL_POS',
      subjects: [subjects.wildcard.posOrders],
      sources: [{ name: 'EDGE', filter_subject: subjects.posOrder(A), external: { api: `$JS.${A}.API`, deliver: '' } }],
    });
  });
  afterAll(async () => {
    await Promise.all(opened.map((nc) => nc.close().catch(() => undefined)));
    for (const leaf of leaves) await leaf.destroy();
    await hub?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every credentials file and the hub fragment mode 600, with bcrypt hashes only', () => {
    for (const file of [auth.hubAuthFile, auth.storeFile(A), auth.storeFile(B), auth.serviceFile('api')])
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    const fragment = readFileSync(auth.hubAuthFile, 'utf8');
    expect(fragment).not.toContain(readNatsCredentials(auth.storeFile(A)).pass);
    expect(fragment).toMatch(/password: "\$2b\$11\$/);
    expect(readFileSync(auth.storeFile(A), 'utf8')).toMatch(/^HUB_LEAF_URL=nats-leaf:\/\/store-store-a:[\w-]+@127\.0\.0\.1:7422$/m);
  });

  it("lets store A publish its own events, which land in the hub's stream", async () => {
    const js = jetstream(await connectAs(auth.storeFile(A), A));
    const ack = await js.publish(subjects.posOrder(A), '{}', { msgID: 'a-1' });
    expect(ack.stream).toBe('RETAIL_POS');
    expect(await count('RETAIL_POS', subjects.posOrder(A))).toBe(1);
  });

  it("refuses store A publishing as store B, and leaves B's subjects empty", async () => {
    const nc = await connectAs(auth.storeFile(A), A);
    await expect(jetstream(nc).publish(subjects.posOrder(B), '{}', { msgID: 'forged', timeout: 2_000 })).rejects.toThrow(
      /Permissions Violation for Publish to "retail\.store-b\.pos\.order"/,
    );
    nc.publish(subjects.posOrder(B), '{}'); // core NATS too
    await nc.flush();
    expect(await count('RETAIL_POS', subjects.posOrder(B))).toBe(0);
  });

  it("refuses store A subscribing to store B's subjects or reading B's stored events", async () => {
    const nc = await connectAs(auth.storeFile(A), A);
    const sub = nc.subscribe(subjects.wildcard.shelfOf(B));
    expect(String(await sub.closed)).toMatch(/Permissions Violation for Subscription to "retail\.store-b\.shelf\.\*"/);
    // Reading the stream needs the JetStream API, which no store user may call.
    const jsm = await jetstreamManager(nc, { timeout: 2_000 }).catch((err: unknown) => err);
    expect(String(jsm)).toMatch(/Permissions Violation for Publish to "\$JS\.API\.INFO"/);
    // Nor the shared inbox, where other users' replies (e.g. fetched messages) travel.
    const inbox = nc.subscribe('_INBOX.>');
    expect(String(await inbox.closed)).toMatch(/Permissions Violation for Subscription to "_INBOX\.>"/);
  });

  it('lets the api ask the processors for a backtest on its own inbox prefix, which no store can read', async () => {
    const processors = await connectAs(auth.serviceFile('processors'));
    processors.subscribe(subjects.alertBacktest, {
      callback: (_e, m) => {
        m.respond('pong');
      },
    });
    await processors.flush();
    const api = await connect({ servers: hub.url, ...readNatsCredentials(auth.serviceFile('api')), inboxPrefix: serviceInboxPrefix('api') });
    opened.push(api);
    expect((await api.request(subjects.alertBacktest, 'ping', { timeout: 5_000 })).string()).toBe('pong');
    // The api publishes nothing else: not a store's events.
    const forged = api.subscribe(`${serviceInboxPrefix('api')}.x`);
    api.publish(subjects.posOrder(A), '{}');
    await api.flush();
    expect(await count('RETAIL_POS', subjects.posOrder(A))).toBe(1);
    forged.unsubscribe();
    const store = await connectAs(auth.storeFile(A), A);
    const snoop = store.subscribe(`${serviceInboxPrefix('api')}.>`);
    expect(String(await snoop.closed)).toMatch(/Permissions Violation for Subscription to "_INBOX_SVC_API\.>"/);
  });

  it('refuses a wrong password and an unknown user', async () => {
    const { user } = readNatsCredentials(auth.storeFile(A));
    await expect(connect({ servers: hub.url, user, pass: `${readNatsCredentials(auth.storeFile(B)).pass}` })).rejects.toThrow(
      /Authorization Violation/,
    );
    await expect(connect({ servers: hub.url })).rejects.toThrow(/Authorization Violation/);
  });

  it("sources store A's leaf node but takes nothing of store B from it, even with its deny rules removed", async () => {
    const { nc } = await startLeaf(A, A, true);
    const def = edgeStreamDefinition(A);
    // A tampered EDGE stream that also captures B's subjects.
    await (await jetstreamManager(nc)).streams.add({ name: def.name, subjects: [...def.subjects, subjects.posOrder(B)] });
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish(subjects.posOrder(A), '{}', { msgID: `leaf-a-${i}` });
    await js.publish(subjects.posOrder(B), '{}', { msgID: 'leaf-forged-b' });
    // Live core NATS through the leaf connection: without deny_exports the leaf forwards it.
    const hubSide = await connectAs(auth.serviceFile('processors'));
    const seen: string[] = [];
    const spy = hubSide.subscribe('retail.>', {
      callback: (_err, m) => {
        seen.push(m.subject);
      },
    });
    await hubSide.flush();
    await eventually(async () => ((await count('RETAIL_POS', subjects.posOrder(A))) === 6 ? true : undefined), 20_000, 200);
    for (let i = 0; i < 20; i++) {
      nc.publish(subjects.posOrder(B), '{}');
      nc.publish(subjects.posOrder(A), '{}');
      await nc.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    // A's own live subject reaches the hub (the leaf is connected and forwards) …
    await eventually(() => Promise.resolve(seen.includes(subjects.posOrder(A)) ? true : undefined), 10_000, 100);
    spy.unsubscribe();
    // … B's never does, neither live nor into the stream.
    expect(seen.filter((s) => s !== subjects.posOrder(A))).toEqual([]);
    expect(await count('RETAIL_POS', subjects.posOrder(B))).toBe(0);
  });

  it("never routes store B's JetStream domain to a leaf that authenticates as store A", async () => {
    // A hub stream sourcing B's EDGE stream, as the processors set it up for store B.
    await (await jetstreamManager(svc)).streams.add({
      name: 'FROM_B',
      sources: [{ name: 'EDGE', filter_subject: subjects.posOrder(B), external: { api: `$JS.${B}.API`, deliver: '' } }],
    });
    const fromB = async () => (await (await jetstreamManager(svc)).streams.info('FROM_B')).state.messages;
    const fillEdge = async (nc: NatsConnection, prefix: string) => {
      await (await jetstreamManager(nc)).streams.add({ name: 'EDGE', subjects: [subjects.posOrder(B)] });
      for (let i = 0; i < 3; i++) await jetstream(nc).publish(subjects.posOrder(B), '{}', { msgID: `${prefix}-${i}` });
    };
    // An impostor: A's credentials, B's domain. The hub never sends it B's API requests.
    const impostor = await startLeaf(B, A, true);
    await fillEdge(impostor.nc, 'impostor');
    await new Promise((r) => setTimeout(r, 6_000)); // the A leaf above was sourced within 5 s
    expect(await fromB()).toBe(0);
    await impostor.nc.close();
    await impostor.leaf.stop();
    // Control: B's real leaf with B's credentials is sourced by the same stream.
    const real = await startLeaf(B, B, false);
    await fillEdge(real.nc, 'real');
    await eventually(async () => ((await fromB()) === 3 ? true : undefined), 20_000, 200);
  });

  it('revokes a store: regenerated without it and reloaded, its credentials no longer connect', async () => {
    const revokedFile = readFileSync(auth.storeFile(B), 'utf8');
    auth = await generateNatsAuth({ dir, stores: [A] });
    expect(auth.revoked).toEqual([B]);
    // The hub's config file with the new fragment (and its actual port: reload cannot change it).
    const configFile = join(dirname(hub.storeDir), 'nats.conf');
    const head = readFileSync(configFile, 'utf8').split('# Generated by')[0]!.replace(':-1"', `:${hub.port}"`);
    writeFileSync(configFile, `${head}${hubConfig()}`);
    hub.child!.kill('SIGHUP'); // nats-server --signal reload
    const old = /NATS_PASSWORD=(.*)/.exec(revokedFile)![1]!;
    await eventually(
      () => connect({ servers: hub.url, user: `store-${B}`, pass: old }).then((c) => c.close().then(() => undefined), () => true),
      10_000,
      200,
    );
    await connectAs(auth.storeFile(A), A); // A keeps its password
  });
});
