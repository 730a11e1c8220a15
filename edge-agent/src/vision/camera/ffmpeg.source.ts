import { spawn, type ChildProcess } from 'node:child_process';
import { AppError } from '@shelfsense/contracts';
import { redactUrl, type FrameSource } from './frame-source.ts';
import { JpegSplitter } from './jpeg-splitter.ts';

export type FfmpegInput =
  | { readonly kind: 'rtsp'; readonly url: string; readonly transport?: 'tcp' | 'udp' | undefined }
  | {
      readonly kind: 'usb';
      /** `/dev/video0` (Linux), `0` (macOS avfoundation), `video=Name` (Windows dshow). */
      readonly device: string;
      /** ffmpeg input format; default by platform: v4l2, avfoundation, dshow. */
      readonly inputFormat?: string | undefined;
      readonly width?: number | undefined;
      readonly height?: number | undefined;
      readonly fps?: number | undefined;
    };

export interface FfmpegOptions {
  readonly input: FfmpegInput;
  /** Frames are emitted at most once per interval (`-r`), so ffmpeg does not encode what nobody reads. */
  readonly intervalMs: number;
  /** Executable; default `ffmpeg` from PATH. */
  readonly ffmpegPath?: string | undefined;
  /** JPEG quality scale 2 (best) .. 31 (default 5). */
  readonly quality?: number | undefined;
  /** No frame for this long counts as a stalled camera (default 15 s). */
  readonly stallTimeoutMs?: number | undefined;
  readonly clock?: () => Date;
}

const MAX_QUEUED = 3;
const STDERR_TAIL = 2048;

function defaultUsbFormat(): string {
  if (process.platform === 'darwin') return 'avfoundation';
  if (process.platform === 'win32') return 'dshow';
  return 'v4l2';
}

/** The ffmpeg command line (pure; exported for tests). */
export function ffmpegArgs(opts: Pick<FfmpegOptions, 'input' | 'intervalMs' | 'quality'>): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  const input = opts.input;
  switch (input.kind) {
    case 'rtsp':
      args.push('-rtsp_transport', input.transport ?? 'tcp', '-i', input.url);
      break;
    case 'usb':
      args.push('-f', input.inputFormat ?? defaultUsbFormat());
      if (input.width !== undefined && input.height !== undefined) args.push('-video_size', `${input.width}x${input.height}`);
      if (input.fps !== undefined) args.push('-framerate', String(input.fps));
      args.push('-i', input.device);
      break;
  }
  const fps = Math.max(0.01, 1000 / Math.max(1, opts.intervalMs));
  args.push('-an', '-r', fps.toFixed(3), '-f', 'mjpeg', '-q:v', String(opts.quality ?? 5), 'pipe:1');
  return args;
}

function describe(input: FfmpegInput): string {
  return input.kind === 'rtsp' ? `RTSP ${redactUrl(input.url)}` : `USB ${input.device}`;
}

/** Ends the child: SIGTERM, then SIGKILL if it is still there after 2 s; resolves once it exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/**
 * RTSP and USB cameras through an `ffmpeg` child process writing MJPEG to stdout, split on JPEG
 * markers. The child is killed in `finally` whenever the consumer stops, the signal aborts or the
 * stream fails. A missing ffmpeg is an `unavailable` error that says how to install it.
 */
export function ffmpegSource(opts: FfmpegOptions): FrameSource {
  const clock = opts.clock ?? (() => new Date());
  const bin = opts.ffmpegPath ?? 'ffmpeg';
  const args = ffmpegArgs(opts);
  const what = describe(opts.input);
  const stallTimeoutMs = opts.stallTimeoutMs ?? 15_000;
  return async function* ffmpeg(signal) {
    if (signal.aborted) return;
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = new JpegSplitter();
    const queue: Buffer[] = [];
    let stderr = '';
    let failure: AppError | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const onAbort = () => notify();
    signal.addEventListener('abort', onAbort);

    child.stdout?.on('data', (chunk: Buffer) => {
      for (const img of splitter.push(chunk)) {
        queue.push(img);
        // Nobody is reading fast enough: keep the newest few, like the frame buffer downstream.
        if (queue.length > MAX_QUEUED) queue.shift();
      }
      notify();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      failure =
        err.code === 'ENOENT'
          ? new AppError(
              'unavailable',
              `ffmpeg not found: "${bin}" is not an executable on PATH. ${opts.input.kind.toUpperCase()} cameras need ffmpeg: ` +
                'install it (Debian/Ubuntu: apt-get install ffmpeg) or set the source\'s ffmpegPath to its full path.',
              { cause: err },
            )
          : new AppError('unavailable', `cannot start ffmpeg for ${what}: ${err.message}`, { cause: err });
      notify();
    });
    child.once('close', (code, sig) => {
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      failure ??= new AppError(
        'unavailable',
        `ffmpeg for ${what} exited (${sig ?? `code ${code}`})${tail !== '' ? `: ${tail}` : ''}`,
      );
      notify();
    });

    let seq = 0;
    let lastFrameAt = Date.now();
    try {
      for (;;) {
        if (signal.aborted) return;
        const data = queue.shift();
        if (data !== undefined) {
          lastFrameAt = Date.now();
          yield { data, capturedAt: clock(), seq: seq++ };
          continue;
        }
        if (failure !== undefined) throw failure;
        const left = stallTimeoutMs - (Date.now() - lastFrameAt);
        if (left <= 0) throw new AppError('unavailable', `${what} stalled: no frame from ffmpeg for ${stallTimeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await stopChild(child);
    }
  };
}
