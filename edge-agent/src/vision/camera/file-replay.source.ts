import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AppError } from '@shelfsense/contracts';
import { sleep, type FrameSource } from './frame-source.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);
/** A looping replay keeps up to this many bytes of images in memory instead of re-reading them every round. */
const LOOP_CACHE_BYTES = 64 * 1024 * 1024;

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
    // Listed (and, when looping, its images kept in memory) once per run: a folder that changes is
    // picked up after a reconnect.
    const files = await listImages(opts.path);
    const cache = new Map<string, Buffer>();
    let cachedBytes = 0;
    let seq = 0;
    do {
      for (const file of files) {
        if (signal.aborted) return;
        let data = cache.get(file);
        if (data === undefined) {
          data = await readFile(file);
          if (loop && cachedBytes + data.length <= LOOP_CACHE_BYTES) {
            cache.set(file, data);
            cachedBytes += data.length;
          }
        }
        yield { data, capturedAt: clock(), seq: seq++ };
        if (!(await sleep(opts.intervalMs, signal))) return;
      }
    } while (loop);
  };
}
