import { describe, expect, it } from 'vitest';
import { MultipartParser, multipartBoundary } from './multipart-parser.ts';

// Small fake "JPEGs": SOI, payload, EOI. The parser only looks at the first and last two bytes.
const img = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50 + n, n), Buffer.from([0xff, 0xd9])]);

function part(body: Buffer, opts: { delimiter: string; eol?: string; length?: number | 'none' }): Buffer {
  const eol = opts.eol ?? '\r\n';
  const len = opts.length === 'none' ? '' : `Content-Length: ${opts.length ?? body.length}${eol}`;
  return Buffer.concat([Buffer.from(`${opts.delimiter}${eol}Content-Type: image/jpeg${eol}${len}${eol}`), body, Buffer.from(eol)]);
}

function feedAll(sut: MultipartParser, stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(...sut.push(stream.subarray(i, i + size)).map((p) => p.body));
  return out;
}

describe('multipartBoundary', () => {
  it.each([
    ['multipart/x-mixed-replace; boundary=frame', 'frame'],
    ['multipart/x-mixed-replace;boundary="--myboundary"', 'myboundary'],
    ['multipart/x-mixed-replace; boundary=--BoundaryString; charset=x', 'BoundaryString'],
    ['image/jpeg', undefined],
    [null, undefined],
  ])('%s → %s', (header, expected) => {
    expect(multipartBoundary(header)).toBe(expected);
  });
});

describe('MultipartParser', () => {
  const images = [img(1), img(2), img(3)];

  it('splits parts with Content-Length, whatever the chunk size', () => {
    const stream = Buffer.concat(images.map((b) => part(b, { delimiter: '--frame' })));
    for (const size of [1, 5, 64, 100_000]) expect(feedAll(new MultipartParser('frame'), stream, size)).toEqual(images);
  });

  it('splits parts without Content-Length on the next boundary', () => {
    const stream = Buffer.concat([...images.map((b) => part(b, { delimiter: '--frame', length: 'none' })), Buffer.from('--frame\r\n')]);
    for (const size of [1, 13, 100_000]) expect(feedAll(new MultipartParser('frame'), stream, size)).toEqual(images);
  });

  it('accepts LF-only line ends and a boundary used without the RFC "--" prefix', () => {
    const stream = Buffer.concat([...images.map((b) => part(b, { delimiter: 'myboundary', eol: '\n', length: 'none' })), Buffer.from('myboundary\n')]);
    expect(feedAll(new MultipartParser('myboundary'), stream, 17)).toEqual(images);
  });

  it('recovers from a wrong Content-Length by falling back to the boundary', () => {
    const stream = Buffer.concat([
      part(images[0]!, { delimiter: '--frame', length: images[0]!.length - 10 }),
      part(images[1]!, { delimiter: '--frame' }),
      Buffer.from('--frame\r\n'),
    ]);
    expect(feedAll(new MultipartParser('frame'), stream, 9)).toEqual([images[0], images[1]]);
  });

  it('skips preamble bytes before the first boundary', () => {
    const sut = new MultipartParser('frame');
    const stream = Buffer.concat([Buffer.from('some preamble\r\n'), part(images[0]!, { delimiter: '--frame' })]);
    expect(feedAll(sut, stream, 1000)).toEqual([images[0]]);
  });

  it('keeps part headers', () => {
    const sut = new MultipartParser('frame');
    const [p] = sut.push(part(images[0]!, { delimiter: '--frame' }));
    expect(p?.headers).toMatchObject({ 'content-type': 'image/jpeg', 'content-length': String(images[0]!.length) });
  });
});
