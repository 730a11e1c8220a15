import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, PyLiteralError } from './python-literal.ts';
import { parseUltralyticsMetadata } from './ultralytics-metadata.ts';

describe('parsePythonLiteral', () => {
  it('parses dicts, lists, tuples, strings, numbers and Python constants', () => {
    expect(parsePythonLiteral("{'batch': 1, 'half': False, 'x': None, 'r': 0.5, 's': (1, 2), 'l': [True]}")).toEqual(
      new Map<unknown, unknown>([
        ['batch', 1],
        ['half', false],
        ['x', null],
        ['r', 0.5],
        ['s', [1, 2]],
        ['l', [true]],
      ]),
    );
  });

  it('handles escapes and the quote Python picks for strings containing quotes', () => {
    expect(parsePythonLiteral(`"men's shoes"`)).toBe("men's shoes");
    expect(parsePythonLiteral(String.raw`'it\'s \\ a\ttab \x41\u00e9'`)).toBe("it's \\ a\ttab Aé");
    expect(parsePythonLiteral(String.raw`'C:\path'`)).toBe('C:\\path');
  });

  it('accepts JSON too', () => {
    expect(parsePythonLiteral('{"0": "a", "1": null, "2": true}')).toEqual(
      new Map<unknown, unknown>([
        ['0', 'a'],
        ['1', null],
        ['2', true],
      ]),
    );
  });

  it('rejects what is not a literal', () => {
    for (const bad of ["{0: 'a'", "{0 'a'}", "'open", '__import__("os")', "{0: 'a'} x", "{[1]: 'a'}"]) {
      expect(() => parsePythonLiteral(bad), bad).toThrow(PyLiteralError);
    }
  });
});

describe('parseUltralyticsMetadata', () => {
  const ultralytics = {
    description: 'Ultralytics YOLOv8n model trained on coco.yaml',
    stride: '32',
    task: 'detect',
    batch: '1',
    imgsz: '[640, 640]',
    names: "{0: 'product', 1: 'gap'}",
    args: "{'batch': 1, 'half': False, 'int8': False, 'nms': False}",
  };

  it('reads names, imgsz, stride and task from an Ultralytics export', () => {
    expect(parseUltralyticsMetadata(ultralytics)).toEqual({
      names: ['product', 'gap'],
      imgsz: { width: 640, height: 640 },
      stride: 32,
      task: 'detect',
      end2end: undefined,
      warnings: [],
    });
  });

  it('parses many classes in id order, with mixed quotes and no spaces', () => {
    const coco = Array.from({ length: 80 }, (_, i) => (i === 7 ? 'men\'s "best" item' : `class name ${i}`));
    const repr = `{${coco.map((n, i) => `${i}:${n.includes("'") ? JSON.stringify(n) : `'${n}'`}`).join(',')}}`;
    expect(parseUltralyticsMetadata({ names: repr }).names).toEqual(coco);
  });

  it('accepts the list form of older YOLOv5 exports and JSON string keys', () => {
    expect(parseUltralyticsMetadata({ names: "['product', 'gap']", stride: '32' }).names).toEqual(['product', 'gap']);
    expect(parseUltralyticsMetadata({ names: '{"1": "gap", "0": "product"}' }).names).toEqual(['product', 'gap']);
  });

  it('fills ids missing from a dict with class<id>', () => {
    expect(parseUltralyticsMetadata({ names: "{0: 'a', 2: 'c'}" }).names).toEqual(['a', 'class1', 'c']);
  });

  it('reads imgsz as [height, width] or a single number', () => {
    expect(parseUltralyticsMetadata({ imgsz: '[384, 640]' }).imgsz).toEqual({ width: 640, height: 384 });
    expect(parseUltralyticsMetadata({ imgsz: '320' }).imgsz).toEqual({ width: 320, height: 320 });
  });

  it('detects end-to-end exports from end2end or the nms export argument', () => {
    expect(parseUltralyticsMetadata({ end2end: 'True' }).end2end).toBe(true);
    expect(parseUltralyticsMetadata({ args: "{'nms': True, 'batch': 1}" }).end2end).toBe(true);
    expect(parseUltralyticsMetadata({ end2end: 'False', args: "{'nms': True}" }).end2end).toBe(false);
  });

  it('warns about values it cannot read instead of failing', () => {
    const sut = parseUltralyticsMetadata({ names: "{0: 'a'", imgsz: "'big'", stride: 'x' });
    expect(sut.names).toBeUndefined();
    expect(sut.imgsz).toBeUndefined();
    expect(sut.stride).toBeUndefined();
    expect(sut.warnings).toEqual([
      expect.stringMatching(/^metadata names ignored: expected/),
      "metadata imgsz ignored: 'big'",
      expect.stringMatching(/^metadata stride ignored/),
    ]);
  });

  it('returns nothing for a model without metadata', () => {
    expect(parseUltralyticsMetadata({})).toEqual({
      names: undefined,
      imgsz: undefined,
      stride: undefined,
      task: undefined,
      end2end: undefined,
      warnings: [],
    });
  });
});
