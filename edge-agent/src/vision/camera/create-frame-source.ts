import type { SourceConfig } from '../agent-config.ts';
import { ffmpegSource } from './ffmpeg.source.ts';
import { fileReplaySource } from './file-replay.source.ts';
import type { FrameSource } from './frame-source.ts';
import { httpSnapshotSource } from './http-snapshot.source.ts';
import { mjpegSource } from './mjpeg.source.ts';
import type { SyntheticShelf } from './synthetic-shelf.camera.ts';

export interface BuiltSource {
  readonly source: FrameSource;
  /** Whether the end of the source is a failure to retry (live cameras) or just the end (a replay). */
  readonly retryOnEnd: boolean;
}

/** The frame source for a camera's `source` config. Synthetic cameras pass their shelf. */
export function createFrameSource(
  config: SourceConfig,
  opts: { readonly intervalMs: number; readonly clock: () => Date; readonly synthetic?: SyntheticShelf | undefined },
): BuiltSource {
  const { intervalMs, clock } = opts;
  switch (config.kind) {
    case 'file':
      return { source: fileReplaySource({ path: config.path, intervalMs, loop: config.loop, clock }), retryOnEnd: config.loop };
    case 'http-snapshot':
      return {
        source: httpSnapshotSource({ url: config.url, intervalMs, timeoutMs: config.timeoutMs, headers: config.headers, clock }),
        retryOnEnd: true,
      };
    case 'mjpeg':
      return { source: mjpegSource({ url: config.url, timeoutMs: config.timeoutMs, headers: config.headers, clock }), retryOnEnd: true };
    case 'rtsp':
      return {
        source: ffmpegSource({
          input: { kind: 'rtsp', url: config.url, transport: config.transport },
          intervalMs,
          ffmpegPath: config.ffmpegPath,
          quality: config.quality,
          stallTimeoutMs: config.stallTimeoutMs,
          clock,
        }),
        retryOnEnd: true,
      };
    case 'usb':
      return {
        source: ffmpegSource({
          input: { kind: 'usb', device: config.device, inputFormat: config.inputFormat, width: config.width, height: config.height, fps: config.fps },
          intervalMs,
          ffmpegPath: config.ffmpegPath,
          quality: config.quality,
          stallTimeoutMs: config.stallTimeoutMs,
          clock,
        }),
        retryOnEnd: true,
      };
    case 'synthetic':
      if (opts.synthetic === undefined) throw new Error('synthetic camera source needs its SyntheticShelf');
      return { source: opts.synthetic.source(intervalMs), retryOnEnd: true };
  }
}
