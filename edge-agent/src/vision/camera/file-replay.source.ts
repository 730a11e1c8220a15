import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AppError } from '@shelfsense/contracts';
import { sleep, type FrameSource } from './frame-source.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

export interface FileReplayOptions {
  /** One image file, or a folder whose images are replayed in name order. */
  readonly path: string;
  /** Time between frames. */
  readonly intervalMs: number;
  /** Start again after the last image (default true); otherwise the source ends. */
  readonly loop?: boolean;
  readonly clock?: () => Date;
}

async function listImages(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new AppError('not_found', `replay path not found: ${path}`, { cause: err });
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()));
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length === 0) throw new AppError('not_found', `no .jpg/.jpeg/.png images in ${path}`);
  return names.map((n) => join(path, n));
}

/** Replays an image file or a folder of images at a fixed interval, like a camera. */
export function fileReplaySource(opts: FileReplayOptions): FrameSource {
  const clock = opts.clock ?? (() => new Date());
  const loop = opts.loop ?? true;
  return async function* fileReplay(signal) {
    // Listed once per run: a folder that changes is picked up after a reconnect.
    const files = await listImages(opts.path);
    let seq = 0;
    do {
      for (const file of files) {
        if (signal.aborted) return;
        const data = await readFile(file);
        yield { data, capturedAt: clock(), seq: seq++ };
        if (!(await sleep(opts.intervalMs, signal))) return;
      }
    } while (loop);
  };
}
