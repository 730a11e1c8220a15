// Streaming readers for JSON backfill files: JSON Lines, a JSON array, or JSON values one after the
// other (a pretty-printed event, several of them). Memory stays at one record, not one file.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** One record read from a file, or why it could not be read. */
export type SourceRecord =
  | { readonly line: number; readonly linesRead: number; readonly ok: true; readonly value: unknown }
  | { readonly line: number; readonly linesRead: number; readonly ok: false; readonly reason: string; readonly orderId?: string };

/** A record larger than this is a broken file, not an order (a 1,000-line order is ~300 KB). */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

const parsed = (line: number, linesRead: number, text: string): SourceRecord => {
  try {
    return { line, linesRead, ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { line, linesRead, ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
};

/** JSON Lines: one value per line; blank lines are skipped; a broken line is one reject. */
export async function* jsonLinesRecords(path: string): AsyncGenerator<SourceRecord> {
  for await (const r of jsonLinesTexts(path)) yield r.ok ? parsed(r.line, r.linesRead, r.text) : r;
}

/** The text of one top-level value (or one element of a top-level array) and where it starts. */
export type JsonValueText =
  | { readonly line: number; readonly linesRead: number; readonly text: string }
  | { readonly line: number; readonly linesRead: number; readonly error: string };

/**
 * Splits a stream of JSON text into values without parsing them: the elements of a top-level array
 * (`[ {...}, {...} ]`), or consecutive top-level values (`{...}\n{...}`). Only brackets and strings
 * are tracked; `JSON.parse` judges each value, so one malformed record is one reject.
 */
export async function* splitJsonValues(chunks: AsyncIterable<string>): AsyncGenerator<JsonValueText> {
  let line = 1;
  let mode: 'unknown' | 'array' | 'sequence' = 'unknown';
  let closed = false; // array mode: the outer ] was seen
  let depth = 0; // bracket depth, the outer array included
  let inString = false;
  let escaped = false;
  let capture: { line: number; parts: string[]; size: number; primitive: boolean } | undefined;
  const base = () => (mode === 'array' ? 1 : 0);
  const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\uFEFF';

  for await (const chunk of chunks) {
    let segStart = 0;
    const emit = (end: number): JsonValueText => {
      const c = capture!;
      c.parts.push(chunk.slice(segStart, end));
      capture = undefined;
      return { line: c.line, linesRead: line, text: c.parts.join('') };
    };
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (ch === '\n') line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (capture !== undefined) {
        if (capture.primitive) {
          const ends = isSpace(ch) || ch === '{' || ch === '[' || (mode === 'array' && (ch === ',' || ch === ']'));
          if (!ends) {
            if (ch === '"') inString = true;
            continue;
          }
          yield emit(i);
          // fall through: the delimiter itself is handled below
        } else {
          if (ch === '"') inString = true;
          else if (ch === '{' || ch === '[') depth++;
          else if (ch === '}' || ch === ']') {
            depth--;
            if (depth <= base()) {
              depth = base();
              yield emit(i + 1);
            }
          }
          continue;
        }
      }
      if (isSpace(ch)) continue;
      if (closed) {
        yield { line, linesRead: line, error: 'unexpected text after the closing ] of the JSON array' };
        return;
      }
      if (mode === 'unknown') {
        mode = ch === '[' ? 'array' : 'sequence';
        if (mode === 'array') {
          depth = 1;
          continue;
        }
      }
      if (mode === 'array' && ch === ',') continue;
      if (mode === 'array' && ch === ']') {
        closed = true;
        depth = 0;
        continue;
      }
      segStart = i;
      capture = { line, parts: [], size: 0, primitive: ch !== '{' && ch !== '[' };
      if (ch === '"') inString = true;
      if (!capture.primitive) depth++;
    }
    if (capture !== undefined) {
      const part = chunk.slice(segStart);
      capture.parts.push(part);
      capture.size += part.length;
      if (capture.size > MAX_RECORD_CHARS) {
        throw new Error(
          `the record starting at line ${capture.line} is larger than ${MAX_RECORD_CHARS} characters; is this a JSON file?`,
        );
      }
    }
  }
  if (capture !== undefined) {
    const text = capture.parts.join('');
    if (capture.primitive && !inString) yield { line: capture.line, linesRead: line, text };
    else yield { line: capture.line, linesRead: line, error: 'the file ends inside this record (truncated?)' };
  } else if (mode === 'array' && !closed) {
    yield { line, linesRead: line, error: 'the file ends before the closing ] of the JSON array' };
  }
}

/** Reads `path` with `splitJsonValues` and parses each value. */
export async function* jsonValueRecords(path: string): AsyncGenerator<SourceRecord> {
  for await (const v of splitJsonValues(createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 }))) {
    yield 'error' in v
      ? { line: v.line, linesRead: v.linesRead, ok: false, reason: v.error }
      : parsed(v.line, v.linesRead, v.text);
  }
}

/**
 * PetPooja exports: a JSON array of events, JSON Lines of events, or a single pretty-printed event
 * (the relay's capture format). JSON Lines is preferred when the first line is a whole value, since
 * a broken line then costs only that line.
 */
export async function* petPoojaRecords(path: string): AsyncGenerator<SourceRecord> {
  yield* (await isJsonLinesFile(path)) ? jsonLinesRecords(path) : jsonValueRecords(path);
}

async function isJsonLinesFile(path: string): Promise<boolean> {
  const head = await readHead(path, 64 * 1024);
  const firstChar = /\S/.exec(head.replace(/^\uFEFF/, ''))?.[0];
  const firstLine = head
    .replace(/^\uFEFF/, '')
    .split('\n')
    .find((l) => l.trim() !== '');
  if (firstChar === '[' || firstLine === undefined) return false;
  try {
    JSON.parse(firstLine);
    return true;
  } catch {
    return false; // not a whole value on one line: read it as consecutive JSON values
  }
}

/** One record's JSON text on one line (what an NDJSON batch carries), or why it could not be read. */
export type TextRecord =
  | { readonly line: number; readonly linesRead: number; readonly ok: true; readonly text: string }
  | { readonly line: number; readonly linesRead: number; readonly ok: false; readonly reason: string; readonly orderId?: string };

/**
 * JSON Lines as text, not parsed: the importer sending to an agent's batch endpoint passes each line
 * on as it is and the agent judges it (a broken line comes back as that line's error). Blank lines
 * are skipped; an over-long line is one reject. `jsonLinesRecords` parses what this reads.
 */
export async function* jsonLinesTexts(path: string): AsyncGenerator<TextRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    if (text.length > MAX_RECORD_CHARS) {
      yield { line: n, linesRead: n, ok: false, reason: `record longer than ${MAX_RECORD_CHARS} characters` };
      continue;
    }
    yield { line: n, linesRead: n, ok: true, text: n === 1 ? text.replace(/^\uFEFF/, '') : text };
  }
}

/** `petPoojaRecords` as one-line texts: JSON Lines as they are, other layouts re-serialized on one line. */
export async function* petPoojaTexts(path: string): AsyncGenerator<TextRecord> {
  if (await isJsonLinesFile(path)) {
    yield* jsonLinesTexts(path);
    return;
  }
  for await (const v of splitJsonValues(createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 }))) {
    if ('error' in v) {
      yield { line: v.line, linesRead: v.linesRead, ok: false, reason: v.error };
    } else if (!/[\r\n]/.test(v.text)) {
      yield { line: v.line, linesRead: v.linesRead, ok: true, text: v.text };
    } else {
      const record = parsed(v.line, v.linesRead, v.text);
      yield record.ok ? { line: v.line, linesRead: v.linesRead, ok: true, text: JSON.stringify(record.value) } : record;
    }
  }
}

async function readHead(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    // A multi-byte character cut at the end only affects the (discarded) tail of the head.
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Lines in a file (a final line without a newline counts), for the progress bar's total. */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? lines : lines + 1;
}
