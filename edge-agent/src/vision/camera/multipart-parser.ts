// Streaming parser for `multipart/x-mixed-replace` (MJPEG over HTTP). Cameras bend the format in
// many ways, so this accepts: a boundary declared with or without a leading `--`, quoted or not;
// parts with or without Content-Length (then the body runs to the next boundary); a wrong
// Content-Length (resyncs on the next boundary); LF-only line ends; no CRLF before a boundary.

const DEFAULT_MAX_PART_BYTES = 32 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary from a Content-Type header, or undefined when there is none. */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;,\s]+))/i.exec(contentType);
  const raw = m?.[1] ?? m?.[2];
  if (raw === undefined) return undefined;
  // `--` is part of the delimiter, not the boundary; some cameras put it in the header too.
  const stripped = raw.replace(/^-+/, '');
  return stripped === '' ? undefined : stripped;
}

type State = { at: 'boundary' } | { at: 'headers' } | { at: 'body'; length: number | undefined };

export interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export class MultipartParser {
  readonly #boundary: Buffer;
  readonly #maxPartBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  #state: State = { at: 'boundary' };
  #headers: Record<string, string> = {};
  /** Bytes skipped while resynchronising on a boundary. */
  discardedBytes = 0;

  constructor(boundary: string, opts: { maxPartBytes?: number } = {}) {
    this.#boundary = Buffer.from(boundary, 'latin1');
    this.#maxPartBytes = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  push(chunk: Uint8Array): MultipartPart[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: MultipartPart[] = [];
    for (;;) {
      const progressed = this.#step(out);
      if (!progressed) break;
    }
    if (this.#buf.length > this.#maxPartBytes + MAX_HEADER_BYTES) {
      // A part that never ends: drop it and wait for the next boundary.
      this.discardedBytes += this.#buf.length;
      this.#buf = Buffer.alloc(0);
      this.#state = { at: 'boundary' };
    }
    return out;
  }

  #step(out: MultipartPart[]): boolean {
    const b = this.#buf;
    switch (this.#state.at) {
      case 'boundary': {
        const i = b.indexOf(this.#boundary);
        if (i < 0) {
          // Keep a tail that may hold the start of the boundary.
          const keep = Math.min(b.length, this.#boundary.length + 2);
          this.discardedBytes += b.length - keep;
          this.#buf = b.subarray(b.length - keep);
          return false;
        }
        const eol = b.indexOf(0x0a, i + this.#boundary.length);
        if (eol < 0) return false;
        this.#buf = b.subarray(eol + 1);
        this.#headers = {};
        this.#state = { at: 'headers' };
        return true;
      }
      case 'headers': {
        const eol = b.indexOf(0x0a);
        if (eol < 0) {
          if (b.length > MAX_HEADER_BYTES) this.#resync();
          return false;
        }
        const line = b.subarray(0, eol).toString('latin1').replace(/\r$/, '');
        this.#buf = b.subarray(eol + 1);
        if (line === '') {
          const len = Number.parseInt(this.#headers['content-length'] ?? '', 10);
          this.#state = { at: 'body', length: Number.isFinite(len) && len > 0 ? len : undefined };
          return true;
        }
        if (line.includes(this.#boundary.toString('latin1'))) {
          // An empty part: this line is already the next boundary.
          this.#headers = {};
          return true;
        }
        const colon = line.indexOf(':');
        if (colon > 0) this.#headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        return true;
      }
      case 'body': {
        const { length } = this.#state;
        if (length !== undefined) {
          if (b.length < length) return false;
          if (b[0] === 0xff && b[1] === 0xd8 && !(b[length - 2] === 0xff && b[length - 1] === 0xd9)) {
            // A JPEG that does not end where Content-Length says: trust the boundary instead.
            this.#state = { at: 'body', length: undefined };
            return true;
          }
          out.push({ headers: this.#headers, body: Buffer.from(b.subarray(0, length)) });
          this.#buf = b.subarray(length);
          this.#state = { at: 'boundary' };
          return true;
        }
        const i = b.indexOf(this.#boundary);
        if (i < 0) return false;
        // The body ends before the delimiter line: drop the `--` prefix and the CRLF before it.
        let end = i;
        for (let dashes = 0; dashes < 2 && end > 0 && b[end - 1] === 0x2d; dashes++) end--;
        if (end > 0 && b[end - 1] === 0x0a) end--;
        if (end > 0 && b[end - 1] === 0x0d) end--;
        if (end > 0) out.push({ headers: this.#headers, body: Buffer.from(b.subarray(0, end)) });
        this.#buf = b.subarray(i);
        this.#state = { at: 'boundary' };
        return true;
      }
    }
  }

  #resync(): void {
    this.discardedBytes += this.#buf.length;
    this.#buf = Buffer.alloc(0);
    this.#state = { at: 'boundary' };
  }
}
