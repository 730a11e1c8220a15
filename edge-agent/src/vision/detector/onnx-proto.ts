import { AppError } from '@shelfsense/contracts';

// onnxruntime-node exposes input/output metadata but not the model's metadata_props, where
// Ultralytics keeps names/imgsz/stride. This reads just the top level of the ModelProto
// (onnx/onnx.proto3) and never descends into the graph, so a 100 MB model costs one quick scan.
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
const MODEL_METADATA_PROPS = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export interface OnnxModelInfo {
  readonly irVersion: number | undefined;
  readonly producerName: string | undefined;
  readonly producerVersion: string | undefined;
  /** `metadata_props` as given; a repeated key keeps its last value. */
  readonly metadata: Readonly<Record<string, string>>;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function invalid(why: string): AppError {
  return new AppError('validation_failed', `not a readable ONNX model: ${why}`);
}

/** Minimal protobuf cursor: varints, lengths and skips, bounds-checked. */
class ProtoReader {
  pos: number;
  readonly end: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Varints up to 2^53 (lengths and field numbers never get near); multiplication avoids int32 overflow. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw invalid('truncated varint');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw invalid('varint longer than 10 bytes');
  }

  tag(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key % 8 };
  }

  /** Returns [start, end) of a length-delimited field's payload and moves past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw invalid('field runs past the end of its message');
    this.pos = start + len;
    return [start, this.pos];
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw invalid(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw invalid('truncated fixed-width field');
  }

  string(): string {
    const [s, e] = this.span();
    return utf8.decode(this.bytes.subarray(s, e));
  }
}

/** Reads ir_version, producer and metadata_props from serialized ONNX ModelProto bytes. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const r = new ProtoReader(bytes);
  // Null prototype: keys come from the file, and `__proto__` must stay an ordinary key.
  const metadata = Object.create(null) as Record<string, string>;
  let irVersion: number | undefined;
  let producerName: string | undefined;
  let producerVersion: string | undefined;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === MODEL_IR_VERSION && wire === WIRE_VARINT) irVersion = r.varint();
    else if (field === MODEL_PRODUCER_NAME && wire === WIRE_LEN) producerName = r.string();
    else if (field === MODEL_PRODUCER_VERSION && wire === WIRE_LEN) producerVersion = r.string();
    else if (field === MODEL_METADATA_PROPS && wire === WIRE_LEN) {
      const [start, end] = r.span();
      const entry = new ProtoReader(bytes, start, end);
      let key = '';
      let value = '';
      while (!entry.done()) {
        const t = entry.tag();
        if (t.field === ENTRY_KEY && t.wire === WIRE_LEN) key = entry.string();
        else if (t.field === ENTRY_VALUE && t.wire === WIRE_LEN) value = entry.string();
        else entry.skip(t.wire);
      }
      metadata[key] = value;
    } else r.skip(wire);
  }
  return { irVersion, producerName, producerVersion, metadata };
}
