// The sending side of a live connection on a real WebSocket server: a client that stops reading is
// dropped before the api holds more than the bound of unsent bytes for it.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLiveSocket } from '../src/live/live-socket.ts';
import { createLiveMetrics } from '../src/live/live.metrics.ts';

/** A WebSocket client on a raw TCP socket that the test can stop reading from. */
async function rawClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  const onData = (d: Buffer) => (got += d.toString('latin1'));
  socket.on('data', onData);
  const key = randomBytes(16).toString('base64');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await vi.waitFor(() => expect(got).toContain(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')), { timeout: 5000 });
  socket.off('data', onData);
  return socket;
}

describe('live socket', () => {
  let server: WebSocketServer | undefined;
  afterEach(() => server?.close());

  it('drops a client that stops reading before its unsent data passes the bound, once, with close 1013', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const accepted = new Promise<WebSocket>((resolve) => server?.once('connection', resolve));
    await new Promise((resolve) => server?.once('listening', resolve));
    const client = await rawClient((server.address() as { port: number }).port);
    client.pause();
    const socket = await accepted;

    const registry = new Registry();
    const metrics = createLiveMetrics(registry);
    const maxBufferedBytes = 200_000;
    let drops = 0;
    const sut = createLiveSocket(socket, { limits: { maxBufferedBytes, pingIntervalMs: 60_000, pongTimeoutMs: 60_000 }, metrics, onDrop: () => drops++ });

    // 48 KiB frames: the kernel's buffers fill first (several MB on loopback), then the api's.
    const frame = { type: 'update' as const, channel: 'store:a:sales' as const, seq: 1, data: { pad: 'x'.repeat(48 * 1024) } as never };
    let maxSeen = 0;
    let sent = 0;
    while (socket.readyState === socket.OPEN && sent < 5000) {
      sut.send(frame);
      sent++;
      maxSeen = Math.max(maxSeen, socket.bufferedAmount);
    }
    expect(socket.readyState, `still open after ${sent} frames`).not.toBe(socket.OPEN);
    // Nothing was queued past the bound; the drop came when the next frame would have passed it.
    expect(maxSeen).toBeLessThanOrEqual(maxBufferedBytes);
    expect(maxSeen).toBeGreaterThan(maxBufferedBytes - 60 * 1024);
    expect(drops).toBe(1);
    sut.send(frame); // after the drop: nothing, and not counted again
    expect(drops).toBe(1);
    expect(await registry.getSingleMetricAsString('shelfsense_api_live_clients_dropped_total')).toContain('reason="slow_consumer"} 1');
    client.destroy();
    socket.terminate();
  });
});
