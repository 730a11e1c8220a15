import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AppError } from '@shelfsense/contracts';
import { tempDir } from '@shelfsense/test';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ffmpegSource } from '../src/vision/camera/ffmpeg.source.ts';
import { fileReplaySource } from '../src/vision/camera/file-replay.source.ts';
import { httpSnapshotSource } from '../src/vision/camera/http-snapshot.source.ts';
import { mjpegSource } from '../src/vision/camera/mjpeg.source.ts';
import { withReconnect, type ReconnectEvent } from '../src/vision/camera/reconnect.ts';
import { SyntheticShelf } from '../src/vision/camera/synthetic-shelf.camera.ts';
import { isAlive, makeFakeFfmpeg, numberedJpeg, startHttpServer, take, type TestHttpServer } from './support/vision-fixtures.ts';

const jpegs = await Promise.all([0, 1, 2].map((n) => numberedJpeg(n)));
/** Which fixture JPEG these bytes are (-1: none). */
const which = (data: Buffer) => jpegs.findIndex((j) => j.equals(data));

const servers: TestHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('file/folder replay', () => {
  it('replays a folder in name order, looping', async () => {
    const dir = tempDir('replay');
    // Numeric order: frame-2 before frame-10.
    writeFileSync(join(dir, 'frame-10.jpg'), jpegs[2]!);
    writeFileSync(join(dir, 'frame-2.jpg'), jpegs[1]!);
    writeFileSync(join(dir, 'frame-1.jpg'), jpegs[0]!);
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const frames = await take(fileReplaySource({ path: dir, intervalMs: 5 }), 5);
    expect(frames.map((f) => which(f.data))).toEqual([0, 1, 2, 0, 1]);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('ends after one pass without loop, and rejects a folder with no images', async () => {
    const dir = tempDir('replay');
    writeFileSync(join(dir, 'a.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer());
    expect(await take(fileReplaySource({ path: dir, intervalMs: 1, loop: false }), 10)).toHaveLength(1);
    const empty = tempDir('replay');
    const err = await rejection(take(fileReplaySource({ path: empty, intervalMs: 1 }), 1));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('no .jpg/.jpeg/.png images');
  });
});

describe('HTTP snapshot polling', () => {
  it('polls the URL at the interval and sends credentials from the URL as Basic auth', async () => {
    const auths: (string | undefined)[] = [];
    const server = await startHttpServer((req, res, n) => {
      auths.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpegs[n % 3]);
    });
    servers.push(server);
    const url = server.url.replace('http://', 'http://admin:s3cret@') + '/snapshot.jpg';
    const frames = await take(httpSnapshotSource({ url, intervalMs: 10 }), 3);
    expect(frames.map((f) => which(f.data))).toEqual([1, 2, 0]);
    expect(auths[0]).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
  });

  it('reconnects with backoff through a server that fails twice, then works', async () => {
    const server = await startHttpServer((_req, res, n) => {
      if (n <= 2) res.writeHead(503).end('warming up');
      else res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpegs[0]);
    });
    servers.push(server);
    const events: ReconnectEvent[] = [];
    const sut = withReconnect(httpSnapshotSource({ url: `${server.url}/snap`, intervalMs: 5 }), {
      policy: { initialMs: 20, jitter: 0 },
      onError: (e) => events.push(e),
    });
    const started = Date.now();
    const frames = await take(sut, 2);
    expect(frames.map((f) => f.data)).toEqual([jpegs[0], jpegs[0]]);
    expect(events.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 20],
      [2, 40],
    ]);
    expect((events[0]!.error as AppError).message).toMatch(/answered HTTP 503/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
  });

  it('rejects a body that is not an image, and a timeout', async () => {
    const server = await startHttpServer((req, res) => {
      if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      // '/slow' never answers
    });
    servers.push(server);
    expect((await rejection(take(httpSnapshotSource({ url: `${server.url}/html`, intervalMs: 5 }), 1))).message).toMatch(
      /did not return a JPEG or PNG/,
    );
    expect((await rejection(take(httpSnapshotSource({ url: `${server.url}/slow`, intervalMs: 5, timeoutMs: 100 }), 1))).message).toMatch(
      /snapshot .* failed/,
    );
  });
});

describe('MJPEG over HTTP', () => {
  type Style = { boundaryHeader: string; delimiter: string; contentLength: boolean; eol: string };
  function stream(style: Style) {
    return startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${style.boundaryHeader}` });
      let i = 0;
      const timer = setInterval(() => {
        const img = jpegs[i++ % 3]!;
        const len = style.contentLength ? `Content-Length: ${img.length}${style.eol}` : '';
        const head = Buffer.from(`${style.delimiter}${style.eol}Content-Type: image/jpeg${style.eol}${len}${style.eol}`);
        // Headers, body and trailer in separate writes, the body cut in two.
        res.write(head);
        res.write(img.subarray(0, 100));
        res.write(Buffer.concat([img.subarray(100), Buffer.from(style.eol)]));
      }, 10);
      res.on('close', () => clearInterval(timer));
    });
  }

  it.each<[string, Style]>([
    ['standard, with Content-Length', { boundaryHeader: 'frame', delimiter: '--frame', contentLength: true, eol: '\r\n' }],
    ['no Content-Length', { boundaryHeader: 'frame', delimiter: '--frame', contentLength: false, eol: '\r\n' }],
    ['"--" in the header boundary, LF line ends', { boundaryHeader: '--myboundary', delimiter: '--myboundary', contentLength: false, eol: '\n' }],
  ])('%s', async (_name, style) => {
    const server = await stream(style);
    servers.push(server);
    const frames = await take(mjpegSource({ url: `${server.url}/video.mjpg` }), 4);
    // Without Content-Length a part ends at the next boundary, so frame n arrives with frame n+1.
    expect(frames.map((f) => which(f.data))).toEqual([0, 1, 2, 0]);
    await expect.poll(() => server.closed()).toBe(1); // stopping the consumer closed the connection
  });

  it('splits on JPEG markers when the Content-Type has no boundary', async () => {
    const server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace' });
      res.write(Buffer.concat([jpegs[0]!, jpegs[1]!, jpegs[2]!]));
    });
    servers.push(server);
    expect((await take(mjpegSource({ url: server.url }), 3)).map((f) => which(f.data))).toEqual([0, 1, 2]);
  });

  it('fails on a stalled stream, on an HTTP error and when the stream ends', async () => {
    const server = await startHttpServer((req, res) => {
      if (req.url === '/404') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=b' });
      if (req.url === '/end') res.end(Buffer.concat([Buffer.from('--b\r\nContent-Type: image/jpeg\r\n\r\n'), jpegs[0]!, Buffer.from('\r\n--b--\r\n')]));
      else res.flushHeaders(); // '/stall': headers, then silence
    });
    servers.push(server);
    expect((await rejection(take(mjpegSource({ url: `${server.url}/stall`, timeoutMs: 150 }), 1))).message).toMatch(/stalled/);
    expect((await rejection(take(mjpegSource({ url: `${server.url}/404` }), 1))).message).toMatch(/HTTP 404/);
    const ended: unknown[] = [];
    await expect(
      (async () => {
        for await (const f of mjpegSource({ url: `${server.url}/end` })(new AbortController().signal)) ended.push(f);
      })(),
    ).rejects.toThrow(/ended the stream/);
    expect(ended).toHaveLength(1);
  });
});

describe('ffmpeg (RTSP/USB) with a fake ffmpeg on PATH', () => {
  const originalPath = process.env.PATH;
  const fake = makeFakeFfmpeg(jpegs);
  afterEach(() => {
    process.env.PATH = originalPath;
  });
  afterAll(() => {
    process.env.PATH = originalPath;
  });
  const calls = () =>
    readFileSync(fake.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; args: string[] });

  it('reads MJPEG from ffmpeg stdout, split into whole JPEGs, and kills ffmpeg when the consumer stops', async () => {
    process.env.PATH = `${fake.dir}${delimiter}${originalPath}`;
    const frames = await take(ffmpegSource({ input: { kind: 'rtsp', url: 'rtsp://cam.local/ok' }, intervalMs: 500 }), 5);
    expect(frames.map((f) => which(f.data))).toEqual([0, 1, 2, 0, 1]);
    const call = calls().at(-1)!;
    expect(call.args.join(' ')).toContain('-rtsp_transport tcp -i rtsp://cam.local/ok');
    expect(call.args.slice(-7, -1)).toEqual(['-r', '2.000', '-f', 'mjpeg', '-q:v', '5']);
    expect(call.args.at(-1)).toBe('pipe:1');
    expect(isAlive(call.pid)).toBe(false);
  });

  it('passes USB device settings to ffmpeg', async () => {
    process.env.PATH = `${fake.dir}${delimiter}${originalPath}`;
    await take(ffmpegSource({ input: { kind: 'usb', device: '/dev/video7/ok', inputFormat: 'v4l2', width: 640, height: 480, fps: 15 }, intervalMs: 1000 }), 1);
    expect(calls().at(-1)!.args.join(' ')).toContain('-f v4l2 -video_size 640x480 -framerate 15 -i /dev/video7/ok');
  });

  it('reports ffmpeg errors with its stderr, and a stall, and kills the stalled child', async () => {
    process.env.PATH = `${fake.dir}${delimiter}${originalPath}`;
    const failed = await rejection(take(ffmpegSource({ input: { kind: 'rtsp', url: 'rtsp://cam.local/fail' }, intervalMs: 100 }), 1));
    expect(failed.message).toMatch(/ffmpeg for RTSP rtsp:\/\/cam\.local\/fail exited \(code 1\): .*404 Not Found/);
    const stalled = await rejection(
      take(ffmpegSource({ input: { kind: 'rtsp', url: 'rtsp://cam.local/stall' }, intervalMs: 100, stallTimeoutMs: 200 }), 1),
    );
    expect(stalled.message).toMatch(/stalled: no frame from ffmpeg for 200 ms/);
    expect(isAlive(calls().at(-1)!.pid)).toBe(false);
  });

  it('says how to fix a missing ffmpeg', async () => {
    process.env.PATH = tempDir('no-ffmpeg');
    const err = await rejection(take(ffmpegSource({ input: { kind: 'rtsp', url: 'rtsp://cam.local/ok' }, intervalMs: 100 }), 1));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/ffmpeg not found: "ffmpeg" is not an executable on PATH/);
    expect(err.message).toMatch(/apt-get install ffmpeg.*ffmpegPath/);
  });
});

describe('synthetic shelf camera', () => {
  const skus = ['bev-wat', 'bev-col', 'snk-chp', 'bak-cro'];

  it('is deterministic for a seed and renders zones that deplete as the POS sells', async () => {
    const clock = () => new Date(0);
    const a = new SyntheticShelf({ seed: 4242, skus, clock, width: 320, height: 240 });
    const b = new SyntheticShelf({ seed: 4242, skus, clock, width: 320, height: 240 });
    expect(await a.render(3)).toEqual(await b.render(3));
    expect(a.zoneSpecs()).toEqual(b.zoneSpecs());

    const full = a.truth().find((z) => z.sku === 'bev-col')!;
    expect(full).toMatchObject({ zoneId: 'bev-col', units: full.capacity, fill: 1, facings: full.expectedFacings });
    expect(a.sell('bev-col', 2)).toBe(2);
    expect(a.sell('unknown-sku', 1)).toBe(0);
    const after = a.truth().find((z) => z.sku === 'bev-col')!;
    expect(after.units).toBe(full.capacity - 2);
    expect(after.facings).toBeLessThan(full.facings);
    expect(await a.render(3)).not.toEqual(await b.render(3));
    expect(a.sell('bev-col', 1000)).toBe(full.capacity - 2); // cannot sell what is not there
    expect(a.truth().find((z) => z.sku === 'bev-col')!.fill).toBe(0);
  });

  it('reads an exactly half-stocked zone of equal slots as coverage 0.5, not a float hair below it', () => {
    // Seed 8300004 (a zone-state evaluation shelf) has a 4-slot zone whose slot edges sum to
    // 0.4999999999999999 of its width with two slots left, which put the true state under `low`.
    const sut = new SyntheticShelf({ seed: 8_300_004, skus: ['bev-wat', 'bev-col', 'snk-chp', 'bak-cro'], restockEveryMs: null });
    const zone = sut.truth().find((z) => z.capacity === 4 && z.expectedFacings === 4)!;
    sut.sell(zone.sku, 2);
    expect(sut.truth().find((z) => z.zoneId === zone.zoneId)).toMatchObject({ units: 2, coverage: 0.5 });
  });

  it('restocks every zone on schedule, by the clock', () => {
    let now = 1_000_000;
    const sut = new SyntheticShelf({ seed: 7, skus, clock: () => new Date(now), restockEveryMs: 60_000 });
    sut.sell('snk-chp', 3);
    now += 59_999;
    expect(sut.truth().find((z) => z.sku === 'snk-chp')!.units).toBe(sut.truth().find((z) => z.sku === 'snk-chp')!.capacity - 3);
    now += 1;
    expect(sut.truth().every((z) => z.fill === 1)).toBe(true);
    expect(sut.restocks).toBe(1);
  });

  it('lays zones out as normalized polygons inside the image and streams JPEG frames', async () => {
    const sut = new SyntheticShelf({ seed: 99, skus, width: 320, height: 240 });
    for (const z of sut.zoneSpecs()) {
      expect(z.polygon).toHaveLength(4);
      for (const [x, y] of z.polygon) expect([x >= 0 && x <= 1, y >= 0 && y <= 1]).toEqual([true, true]);
    }
    const frames = await take(sut.source(5), 2);
    expect(frames.map((f) => f.seq)).toEqual([0, 1]);
    expect((await sharp(frames[0]!.data).metadata()).format).toBe('jpeg');
    expect(frames[0]!.data).not.toEqual(frames[1]!.data); // sensor noise differs per frame
  });
});
