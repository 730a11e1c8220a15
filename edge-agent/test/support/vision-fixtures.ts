import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '@shelfsense/test';
import sharp from 'sharp';
import type { Frame, FrameSource } from '../../src/vision/camera/frame-source.ts';

/** A small distinct JPEG per `n` (a coloured square with a dot that moves with n). */
export async function numberedJpeg(n: number, width = 96, height = 64): Promise<Buffer> {
  const svg = `<svg width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="hsl(${(n * 47) % 360},60%,50%)"/><circle cx="${10 + ((n * 13) % (width - 20))}" cy="${height / 2}" r="8" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export interface TestHttpServer {
  readonly url: string;
  /** Requests seen so far. */
  readonly requests: () => number;
  /** Responses whose connection is closed (client went away or we ended). */
  readonly closed: () => number;
  close(): Promise<void>;
}

export async function startHttpServer(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<TestHttpServer> {
  let requests = 0;
  let closed = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    res.on('close', () => closed++);
    handler(req, res, requests);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    closed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects up to `n` frames (or until the source ends), then stops it. */
export async function take(source: FrameSource, n: number, timeoutMs = 10_000): Promise<Frame[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const out: Frame[] = [];
  try {
    for await (const f of source(ac.signal)) {
      out.push(f);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/**
 * A fake `ffmpeg` executable in a temp dir (put it first on PATH). It records its argv and pid in
 * `<dir>/calls.log` and, depending on the input URL (`-i`):
 * `.../ok` writes the given JPEGs to stdout in a loop (in odd-sized chunks), `.../stall` writes
 * nothing, `.../fail` prints an error and exits 1. It stops on SIGTERM like ffmpeg does.
 */
export function makeFakeFfmpeg(jpegs: readonly Buffer[]): { dir: string; log: string } {
  const dir = tempDir('fake-ffmpeg');
  const log = join(dir, 'calls.log');
  const frames = join(dir, 'frames.json');
  writeFileSync(frames, JSON.stringify(jpegs.map((b) => b.toString('base64'))));
  const script = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ pid: process.pid, args }) + '\\n');
const input = args[args.indexOf('-i') + 1] || '';
process.on('SIGTERM', () => process.exit(255));
if (input.endsWith('/fail')) {
  process.stderr.write('[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found\\n' + input + ': Server returned 404 Not Found\\n');
  process.exit(1);
}
if (input.endsWith('/stall')) {
  setInterval(() => {}, 1000);
} else {
  const jpegs = JSON.parse(fs.readFileSync(${JSON.stringify(frames)}, 'utf8')).map((b) => Buffer.from(b, 'base64'));
  let i = 0;
  setInterval(() => {
    const buf = jpegs[i++ % jpegs.length];
    // Split every frame across writes so the reader has to reassemble it.
    const cut = Math.floor(buf.length / 3);
    process.stdout.write(buf.subarray(0, cut));
    process.stdout.write(buf.subarray(cut));
  }, 15);
}
`;
  const bin = join(dir, 'ffmpeg');
  writeFileSync(bin, script);
  chmodSync(bin, 0o755);
  return { dir, log };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}
