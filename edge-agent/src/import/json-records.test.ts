import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { tempDir } from '@shelfsense/test';
import { describe, expect, it } from 'vitest';
import {
  countLines,
  jsonLinesRecords,
  petPoojaRecords,
  splitJsonValues as sut,
  type JsonValueText,
  type SourceRecord,
} from './json-records.ts';

async function split(text: string, chunkSize = 3): Promise<JsonValueText[]> {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += chunkSize) pieces.push(text.slice(i, i + chunkSize));
  const out: JsonValueText[] = [];
  for await (const v of sut(Readable.from(pieces))) out.push(v);
  return out;
}

const dir = tempDir('shelfsense-json-records');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
async function all(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

describe('splitJsonValues', () => {
  it('yields the elements of a top-level array with the line each starts on', async () => {
    const text = '[\n  {"a": 1},\n  {"b": [1, {"c": "]},{"}]},\n  2, "x,y", null\n]\n';
    expect(await split(text)).toEqual([
      { line: 2, linesRead: 2, text: '{"a": 1}' },
      { line: 3, linesRead: 3, text: '{"b": [1, {"c": "]},{"}]}' },
      { line: 4, linesRead: 4, text: '2' },
      { line: 4, linesRead: 4, text: '"x,y"' },
      { line: 4, linesRead: 5, text: 'null' },
    ]);
  });

  it('yields consecutive top-level values, e.g. pretty-printed events one after another', async () => {
    const text = '{\n "a": "\\"}"\n}\n{"b": 2}{"c": 3}\n';
    expect((await split(text, 5)).map((v) => ('text' in v ? [v.line, v.text] : v))).toEqual([
      [1, '{\n "a": "\\"}"\n}'],
      [4, '{"b": 2}'],
      [4, '{"c": 3}'],
    ]);
  });

  it('reports a truncated last record and an unclosed array', async () => {
    expect(await split('[{"a": 1}, {"b": ')).toEqual([
      { line: 1, linesRead: 1, text: '{"a": 1}' },
      { line: 1, linesRead: 1, error: 'the file ends inside this record (truncated?)' },
    ]);
    expect(await split('[{"a": 1}\n')).toEqual([
      { line: 1, linesRead: 1, text: '{"a": 1}' },
      { line: 2, linesRead: 2, error: 'the file ends before the closing ] of the JSON array' },
    ]);
    expect(await split('[1]\n{"late": true}')).toEqual([
      { line: 1, linesRead: 1, text: '1' },
      { line: 2, linesRead: 2, error: 'unexpected text after the closing ] of the JSON array' },
    ]);
  });

  it('ignores a byte-order mark and an empty array', async () => {
    expect(await split('\uFEFF[ ]')).toEqual([]);
    expect(await split('')).toEqual([]);
  });
});

describe('jsonLinesRecords', () => {
  it('parses each line, skips blank ones, and turns a broken line into one reject', async () => {
    const path = file('a.jsonl', '{"a":1}\n\n{"b":\n[3]\r\n');
    const records = await all(jsonLinesRecords(path));
    expect(records.map((r) => (r.ok ? [r.line, r.value] : [r.line, r.reason.slice(0, 15)]))).toEqual([
      [1, { a: 1 }],
      [3, 'not valid JSON:'],
      [4, [3]],
    ]);
  });
});

describe('petPoojaRecords', () => {
  const event = (id: number) => ({ raw_event: { raw_payload: { properties: { Order: { orderID: id } } } } });

  it('reads a JSON array, JSON Lines, and a single pretty-printed event', async () => {
    const arrayFile = file('pp-array.json', JSON.stringify([event(1), event(2)], null, 2));
    const linesFile = file('pp.jsonl', `${JSON.stringify(event(1))}\n${JSON.stringify(event(2))}\n`);
    const prettyFile = file('pp-one.json', JSON.stringify(event(7), null, 2));

    const values = async (path: string) => (await all(petPoojaRecords(path))).map((r) => (r.ok ? r.value : r.reason));

    expect(await values(arrayFile)).toEqual([event(1), event(2)]);
    expect(await values(linesFile)).toEqual([event(1), event(2)]);
    expect(await values(prettyFile)).toEqual([event(7)]);
  });
});

describe('countLines', () => {
  it('counts a last line without a newline', async () => {
    expect(await countLines(file('c1', 'a\nb\n'))).toBe(2);
    expect(await countLines(file('c2', 'a\nb'))).toBe(2);
    expect(await countLines(file('c3', ''))).toBe(0);
  });
});
