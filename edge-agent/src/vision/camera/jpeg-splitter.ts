// Splits a byte stream of concatenated JPEGs (ffmpeg `-f mjpeg`, or an MJPEG stream without usable
// multipart boundaries) into whole images. It walks the JPEG marker segments instead of searching
// for the first FF D9, because FF D9 also ends the thumbnail that EXIF (APP1) segments embed.

const DEFAULT_MAX_FRAME_BYTES = 32 * 1024 * 1024;

type ScanState =
  /** Looking for SOI (FF D8). */
  | { at: 'seek' }
  /** At a marker segment boundary; `pos` is where the next FF xx marker must start. */
  | { at: 'segments'; pos: number }
  /** Inside entropy-coded scan data; `pos` is where scanning resumes. */
  | { at: 'entropy'; pos: number };

export class JpegSplitter {
  #buf: Buffer = Buffer.alloc(0);
  #state: ScanState = { at: 'seek' };
  readonly #maxFrameBytes: number;
  /** Bytes thrown away: garbage between images, corrupt or oversized images. */
  discardedBytes = 0;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.#maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Feeds bytes; returns every image completed by them, in order. */
  push(chunk: Uint8Array): Buffer[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const frame = this.#next();
      if (frame !== undefined) {
        out.push(frame);
        continue;
      }
      if (this.#state.at === 'seek' || this.#buf.length <= this.#maxFrameBytes) break;
      // An image that never ends: drop its SOI and look for the next one in what is left.
      this.#discard(2);
    }
    return out;
  }

  /** Bytes held for an incomplete image. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  #discard(n: number): void {
    this.discardedBytes += n;
    this.#buf = this.#buf.subarray(n);
    this.#state = { at: 'seek' };
  }

  #next(): Buffer | undefined {
    for (;;) {
      // Re-read every round: #discard replaces the buffer.
      const b = this.#buf;
      switch (this.#state.at) {
        case 'seek': {
          const soi = findSoi(b, 0);
          if (soi < 0) {
            // Keep a trailing FF: it may be the first half of the next SOI.
            const keep = b.length > 0 && b[b.length - 1] === 0xff ? 1 : 0;
            if (b.length - keep > 0) this.#discard(b.length - keep);
            return undefined;
          }
          if (soi > 0) {
            this.#discard(soi);
            break;
          }
          this.#state = { at: 'segments', pos: 2 };
          break;
        }
        case 'segments': {
          let pos = this.#state.pos;
          if (pos + 1 >= b.length) return undefined;
          if (b[pos] !== 0xff) {
            this.#discard(2); // corrupt image: resync on the next SOI
            break;
          }
          let m = b[pos + 1]!;
          // Fill bytes: any number of FF may precede a marker.
          while (m === 0xff) {
            pos++;
            if (pos + 1 >= b.length) {
              this.#state = { at: 'segments', pos };
              return undefined;
            }
            m = b[pos + 1]!;
          }
          if (m === 0xd9) return this.#take(pos + 2);
          if (m === 0xd8) {
            this.#discard(pos); // a new image started before this one ended
            break;
          }
          if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
            this.#state = { at: 'segments', pos: pos + 2 };
            break;
          }
          if (pos + 3 >= b.length) {
            this.#state = { at: 'segments', pos };
            return undefined;
          }
          const len = b.readUInt16BE(pos + 2);
          if (len < 2) {
            this.#discard(2);
            break;
          }
          const end = pos + 2 + len;
          this.#state = m === 0xda ? { at: 'entropy', pos: end } : { at: 'segments', pos: end };
          if (end > b.length) return undefined;
          break;
        }
        case 'entropy': {
          let pos = this.#state.pos;
          for (;;) {
            const ff = b.indexOf(0xff, pos);
            if (ff < 0 || ff + 1 >= b.length) {
              this.#state = { at: 'entropy', pos: ff < 0 ? b.length : ff };
              return undefined;
            }
            const m = b[ff + 1]!;
            if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) {
              // Stuffed byte, restart marker, or fill: still scan data.
              pos = m === 0xff ? ff + 1 : ff + 2;
              continue;
            }
            if (m === 0xd9) return this.#take(ff + 2);
            // Another segment (DHT, next SOS of a progressive JPEG, ...).
            this.#state = { at: 'segments', pos: ff };
            break;
          }
          break;
        }
      }
    }
  }

  #take(end: number): Buffer {
    const frame = Buffer.from(this.#buf.subarray(0, end));
    this.#buf = this.#buf.subarray(end);
    this.#state = { at: 'seek' };
    return frame;
  }
}

function findSoi(b: Buffer, from: number): number {
  let i = b.indexOf(0xff, from);
  while (i >= 0 && i + 1 < b.length) {
    if (b[i + 1] === 0xd8) return i;
    i = b.indexOf(0xff, i + 1);
  }
  return -1;
}
