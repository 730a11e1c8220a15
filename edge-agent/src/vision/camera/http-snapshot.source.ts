import { AppError } from '@shelfsense/contracts';
import { isAbortError, looksLikeImage, redactUrl, sleep, splitCredentials, type FrameSource } from './frame-source.ts';

export interface HttpSnapshotOptions {
  /** A URL that answers every GET with one JPEG/PNG (most IP cameras have one: `/snapshot.jpg`). */
  readonly url: string;
  readonly intervalMs: number;
  /** Per-request timeout (default 5 s). */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly clock?: () => Date;
}

/** Polls an HTTP snapshot URL. Any failed poll ends the run with an error (`withReconnect` retries). */
export function httpSnapshotSource(opts: HttpSnapshotOptions): FrameSource {
  const clock = opts.clock ?? (() => new Date());
  const { url, headers } = splitCredentials(opts.url, opts.headers);
  const shown = redactUrl(opts.url);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return async function* httpSnapshot(signal) {
    let seq = 0;
    while (!signal.aborted) {
      const started = Date.now();
      let data: Buffer;
      try {
        const res = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
        if (!res.ok) {
          await res.body?.cancel();
          throw new AppError('unavailable', `snapshot ${shown} answered HTTP ${res.status}`);
        }
        data = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        if (isAbortError(err, signal)) return;
        if (err instanceof AppError) throw err;
        throw new AppError('unavailable', `snapshot ${shown} failed: ${(err as Error).message}`, { cause: err });
      }
      if (!looksLikeImage(data)) throw new AppError('unavailable', `snapshot ${shown} did not return a JPEG or PNG (${data.length} bytes)`);
      yield { data, capturedAt: clock(), seq: seq++ };
      if (!(await sleep(opts.intervalMs - (Date.now() - started), signal))) return;
    }
  };
}
