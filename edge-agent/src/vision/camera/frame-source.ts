/** One encoded camera frame (JPEG or PNG bytes, as the camera sent them). */
export interface Frame {
  readonly data: Buffer;
  /** When the frame was taken (or received, when the camera does not say). */
  readonly capturedAt: Date;
  /** Increasing per source run; `withReconnect` renumbers across reconnects. */
  readonly seq: number;
}

/**
 * Every camera kind behind one shape: an async generator that yields frames until the
 * signal aborts (then it returns quietly), the camera ends (returns) or fails (throws). Each call
 * opens the camera anew; the generator releases it in `finally`.
 */
export type FrameSource = (signal: AbortSignal) => AsyncGenerator<Frame>;

/** Waits `ms`; resolves `false` at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** True for the errors fetch/streams throw because our own signal aborted them. */
export function isAbortError(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (err instanceof Error || err instanceof DOMException);
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff] as const;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47] as const;

/** Cheap check that bytes start like a JPEG or PNG, so garbage is rejected before the detector. */
export function looksLikeImage(data: Uint8Array): boolean {
  const starts = (magic: readonly number[]) => data.length > magic.length && magic.every((b, i) => data[i] === b);
  return starts(JPEG_MAGIC) || starts(PNG_MAGIC);
}

/**
 * fetch() refuses URLs with credentials (`http://user:pass@cam/...`), which is how most IP cameras
 * are configured; move them into a Basic Authorization header. Digest auth is not supported.
 */
export function splitCredentials(url: string, headers: Readonly<Record<string, string>> = {}): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  const out: Record<string, string> = { ...headers };
  if (u.username !== '' || u.password !== '') {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    out.authorization ??= `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), headers: out };
}

/** The URL without credentials, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)'; // never echo an unparsable string that may hold a secret
  }
}
