import type { ReadableStreamDefaultReader, ReadableStreamReadResult } from 'node:stream/web';
import { AppError } from '@shelfsense/contracts';
import { isAbortError, looksLikeImage, redactUrl, splitCredentials, type FrameSource } from './frame-source.ts';
import { JpegSplitter } from './jpeg-splitter.ts';
import { MultipartParser, multipartBoundary } from './multipart-parser.ts';

export interface MjpegOptions {
  /** An MJPEG stream URL (`multipart/x-mixed-replace`), e.g. `http://cam/video.mjpg`. */
  readonly url: string;
  /** Connect timeout, and the longest silence before the stream counts as stalled (default 10 s). */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly clock?: () => Date;
}

/**
 * Frames of an MJPEG-over-HTTP stream. Parts are split on the multipart boundary; without a
 * boundary in the Content-Type the bytes are split on JPEG markers instead. The stream ending or
 * stalling ends the run with an error, for `withReconnect` to retry.
 */
export function mjpegSource(opts: MjpegOptions): FrameSource {
  const clock = opts.clock ?? (() => new Date());
  const { url, headers } = splitCredentials(opts.url, opts.headers);
  const shown = redactUrl(opts.url);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async function* mjpeg(signal) {
    const stall = new AbortController();
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(new Error(`no data for ${timeoutMs} ms`)), timeoutMs);
    };
    const linked = AbortSignal.any([signal, stall.signal]);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      armStall();
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: linked });
      } catch (err) {
        if (isAbortError(err, signal)) return;
        throw new AppError('unavailable', `MJPEG ${shown}: ${stall.signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message}`, { cause: err });
      }
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        throw new AppError('unavailable', `MJPEG ${shown} answered HTTP ${res.status}`);
      }
      const boundary = multipartBoundary(res.headers.get('content-type'));
      const multipart = boundary === undefined ? undefined : new MultipartParser(boundary);
      const splitter = boundary === undefined ? new JpegSplitter() : undefined;
      reader = res.body.getReader();
      let seq = 0;
      for (;;) {
        armStall();
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (isAbortError(err, signal)) return;
          const why = stall.signal.aborted ? `stalled: no data for ${timeoutMs} ms` : (err as Error).message;
          throw new AppError('unavailable', `MJPEG ${shown} ${why}`, { cause: err });
        }
        if (chunk.done) throw new AppError('unavailable', `MJPEG ${shown} ended the stream`);
        const images = multipart !== undefined ? multipart.push(chunk.value).map((p) => p.body) : splitter!.push(chunk.value);
        for (const data of images) {
          // Skip non-image parts (some cameras interleave text/plain status parts).
          if (!looksLikeImage(data)) continue;
          clearTimeout(stallTimer); // time spent in the consumer is not camera silence
          yield { data, capturedAt: clock(), seq: seq++ };
          if (signal.aborted) return;
        }
      }
    } finally {
      clearTimeout(stallTimer);
      // Closes the HTTP connection; without it the camera keeps streaming into a dead socket.
      stall.abort(new Error('closed'));
      // A cancel that fails means the body is already closed, which is what we want.
      await reader?.cancel().catch(() => undefined);
    }
  };
}
