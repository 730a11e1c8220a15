// JetStream publishes acked through the agent's own inbox subscription, against a real nats-server:
// every publish gets its own PubAck or its own failure, through duplicates, errors, timeouts,
// a server restart and a closed connection.
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { NoRespondersError, PermissionViolationError, TimeoutError, connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type TestNats } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAckedPublish } from '../src/lib/jetstream-ack-inbox.ts';

const rejection = async (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('resolved'), (err: unknown) => err);

describe('createAckedPublish', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url, name: 'ack-inbox-test', maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ACKS', subjects: ['acks.>'], duplicate_window: nanos(60_000) });
    await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_msg_size: 16 });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.destroy();
  });

  it('answers each of many concurrent publishes with its own ack, and a repeated msg id as a duplicate', async () => {
    const publish = createAckedPublish(nc, { timeoutMs: 5_000, inboxPrefix: '_INBOX_store-a' });
    const acks = await Promise.all(Array.from({ length: 500 }, (_, i) => publish('acks.a', `{"n":${i}}`, `id-${i}`)));

    expect(acks.every((a) => a.stream === 'ACKS' && !a.duplicate)).toBe(true);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(500);
    const again = await Promise.all([publish('acks.a', '{"n":7}', 'id-7'), publish('acks.a', '{"n":500}', 'id-500')]);
    expect(again.map((a) => a.duplicate)).toEqual([true, false]);
    expect(again[0].seq).toBe(acks[7]!.seq);
  });

  it('fails only the publish JetStream refuses or nothing stores', async () => {
    const publish = createAckedPublish(nc, { timeoutMs: 5_000 });
    const [good, refused, noStream] = await Promise.allSettled([
      publish('acks.b', '{}', 'b-1'),
      publish('small.b', 'x'.repeat(100), 'b-2'),
      publish('nostream.b', '{}', 'b-3'),
    ]);

    expect(good.status === 'fulfilled' && good.value.stream).toBe('ACKS');
    expect(refused.status === 'rejected' && refused.reason).toBeInstanceOf(JetStreamApiError);
    expect(noStream.status === 'rejected' && noStream.reason).toBeInstanceOf(NoRespondersError);
  });

  it('times out a publish nobody acks, without holding up the others', async () => {
    // A core subscriber that never answers: the server has a responder, so only the timeout ends it.
    const silent = nc.subscribe('silent.c');
    const publish = createAckedPublish(nc, { timeoutMs: 300 });
    const started = performance.now();
    const [lost, kept] = await Promise.allSettled([publish('silent.c', '{}', 'c-1'), publish('acks.c', '{}', 'c-2')]);

    expect(lost.status === 'rejected' && lost.reason).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(kept.status).toBe('fulfilled');
    // A late answer to a timed-out publish is ignored; the publisher keeps working.
    expect((await publish('acks.c', '{}', 'c-3')).duplicate).toBe(false);
    silent.unsubscribe();
  });

  it('through a server restart: what was published during the outage times out as with js.publish, later publishes are acked', async () => {
    const publish = createAckedPublish(nc, { timeoutMs: 1_000 });
    expect((await publish('acks.d', '{}', 'd-1')).duplicate).toBe(false); // subscribed before the outage
    const reconnected = (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') return;
    })();
    await nats.stop();

    // nats.js drops what was buffered while disconnected when it dials again: both ways time out,
    // so the caller answers 503 and the POS retries.
    const ours = rejection(publish('acks.d', '{}', 'd-2'));
    const library = rejection(jetstream(nc).publish('acks.d', '{}', { msgID: 'd-3', timeout: 1_000 }));
    await nats.restart();
    await reconnected;

    expect(await ours).toBeInstanceOf(TimeoutError);
    expect(await library).toBeInstanceOf(TimeoutError);
    const retried = await publish('acks.d', '{}', 'd-2');
    expect(retried.stream).toBe('ACKS');
    expect((await publish('acks.d', '{}', 'd-2')).duplicate).toBe(true);
  });

  it('fails pending publishes when the connection closes, and later ones at once', async () => {
    const own = await connect({ servers: nats.url, name: 'ack-inbox-close' });
    own.subscribe('silent.e');
    const publish = createAckedPublish(own, { timeoutMs: 30_000 });
    const pending = publish('silent.e', '{}', 'e-1');
    await own.flush();

    await own.close();

    expect(await rejection(pending)).toBeInstanceOf(Error);
    expect(await rejection(publish('acks.e', '{}', 'e-2'))).toBeInstanceOf(Error);
  });
});

describe('createAckedPublish with a store user that may publish and subscribe only to its own subjects', () => {
  let nats: TestNats;
  const opened: NatsConnection[] = [];
  const connectAs = async (user: string, inboxPrefix?: string) => {
    const nc = await connect({ servers: nats.url, user, pass: 'secret-pass', ...(inboxPrefix !== undefined ? { inboxPrefix } : {}) });
    opened.push(nc);
    return nc;
  };

  beforeAll(async () => {
    // As the hub's generated users (docs/architecture.md §9): own subjects, own inbox prefix.
    nats = await startNats({
      extraConfig: `authorization { users: [
        { user: "admin", password: "secret-pass" },
        { user: "store-a", password: "secret-pass", permissions: { publish: { allow: ["own.a.>"] }, subscribe: { allow: ["_INBOX_a.>"] } } }
      ] }`,
    });
    await (await jetstreamManager(await connectAs('admin'))).streams.add({ name: 'OWN', subjects: ['own.>', 'other.>'] });
  });
  afterAll(async () => {
    await Promise.all(opened.map((nc) => nc.close().catch(() => undefined)));
    await nats?.destroy();
  });

  it('gets its acks below its own inbox prefix, and a refused publish fails at once, alone', async () => {
    const publish = createAckedPublish(await connectAs('store-a', '_INBOX_a'), { timeoutMs: 10_000, inboxPrefix: '_INBOX_a' });
    const started = performance.now();
    const [own, other, ownAgain] = await Promise.allSettled([
      publish('own.a.x', '{}', 'p-1'),
      publish('other.b.x', '{}', 'p-2'),
      publish('own.a.x', '{}', 'p-3'),
    ]);

    expect(own.status === 'fulfilled' && own.value.stream).toBe('OWN');
    expect(ownAgain.status).toBe('fulfilled');
    expect(other.status === 'rejected' && other.reason).toBeInstanceOf(PermissionViolationError);
    expect(performance.now() - started).toBeLessThan(5_000); // not the 10 s timeout
    expect((await publish('own.a.x', '{}', 'p-1')).duplicate).toBe(true);
  });

  it('fails its publishes when it may not subscribe to the inbox it was given, instead of waiting for the timeout', async () => {
    const publish = createAckedPublish(await connectAs('store-a', '_INBOX_a'), { timeoutMs: 10_000, inboxPrefix: '_INBOX_b' });
    const started = performance.now();

    expect(await rejection(publish('own.a.x', '{}', 'q-1'))).toBeInstanceOf(PermissionViolationError);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
