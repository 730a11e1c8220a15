import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { AppError } from '@shelfsense/contracts';
import { boxToSource, letterbox, type Box, type DetectorImage, type LetterboxGeometry, type RawImage, type TensorDtype } from './letterbox.ts';
import { createInProcessSession, createWorkerSession, type ModelSession } from './model-session.ts';
import { nms } from './nms.ts';
import { readOnnxModelInfo } from './onnx-proto.ts';
import { parseUltralyticsMetadata } from './ultralytics-metadata.ts';
import { decodeYolo, resolveLayout, type ResolvedLayout, type YoloLayout } from './yolo-decode.ts';

export interface OnnxDetectorOptions {
  /** Intra-op threads for the CPU provider. Default: onnxruntime's choice (one per physical core). */
  readonly threads?: number | undefined;
  /** Class names by id; replaces the model's `names` metadata. */
  readonly names?: readonly string[] | undefined;
  /** Input size for dynamic-shape models: one number (square) or [height, width] like Ultralytics. */
  readonly imgsz?: number | readonly [number, number] | undefined;
  /** Force the output layout instead of inferring it from the output shape. */
  readonly layout?: YoloLayout | undefined;
  /**
   * Run the model on a worker thread (default false). onnxruntime-node runs synchronously on the
   * calling thread; a long-running agent wants its event loop (and the next frame's decode) free.
   */
  readonly worker?: boolean | undefined;
}

export interface DetectOptions {
  /** Minimum score, default 0.25. */
  readonly conf?: number | undefined;
  /** NMS IoU threshold, default 0.45. */
  readonly iou?: number | undefined;
  /** Most detections returned, default 300. */
  readonly maxDet?: number | undefined;
  /** Only these class ids. */
  readonly classes?: readonly number[] | undefined;
}

export interface Detection {
  readonly class: string;
  readonly classId: number;
  readonly score: number;
  /** x1, y1, x2, y2 in source-image pixels (after EXIF orientation). */
  readonly box: Box;
}

export interface DetectResult {
  readonly width: number;
  readonly height: number;
  /** Best first. */
  readonly detections: Detection[];
  /** inference: time in `session.run` only (a worker session may queue runs behind each other). */
  readonly timingsMs: { readonly preprocess: number; readonly inference: number; readonly postprocess: number };
}

/** A frame decoded and letterboxed, ready for `infer` (see `prepare`). */
export interface PreparedImage {
  /** Model input, CHW; handed over to the session by `infer` (use a prepared image once). */
  readonly tensor: Float32Array | Uint16Array;
  readonly geometry: LetterboxGeometry;
  /** The resized frame before padding, 8-bit interleaved. */
  readonly resized: RawImage;
  readonly preprocessMs: number;
}

export const DETECT_DEFAULTS = { conf: 0.25, iou: 0.45, maxDet: 300 } as const;

const DEFAULT_DYNAMIC_SIZE = 640;
/** Enough for a frame in inference, two queued behind it and one being prepared. */
const MAX_SPARE_TENSORS = 4;
const DEFAULT_STRIDE = 32;

interface DetectorInit {
  readonly session: ModelSession;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputDtype: TensorDtype;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly names: readonly string[] | undefined;
  readonly layout: YoloLayout | undefined;
  readonly end2end: boolean | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly resolved: ResolvedLayout | undefined;
}

function fail(message: string, cause?: unknown): AppError {
  return new AppError('validation_failed', message, { cause });
}

function dimOf(shape: ReadonlyArray<number | string>, i: number): number | undefined {
  const d = shape[i];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function roundUpTo(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/**
 * A YOLO detector over one onnxruntime-node session: letterbox with sharp → run → decode → NMS →
 * boxes in source pixels. Accepts any Ultralytics detection export (YOLOv5, YOLOv8/11, end-to-end;
 * fp32, fp16 or quantized; fixed or dynamic input). Call `close()` to release the session.
 */
export class OnnxDetector {
  readonly #session: ModelSession;
  readonly #inputName: string;
  readonly #outputName: string;
  readonly #layoutOverride: YoloLayout | undefined;
  readonly #end2end: boolean | undefined;
  #resolved: ResolvedLayout | undefined;
  #names: readonly string[] | undefined;
  #closed = false;
  /**
   * Input tensors the session has finished with. A pipeline letterboxes every frame into a fresh
   * ~1.6 MB tensor otherwise, and at tens of frames a second that garbage costs real GC time.
   */
  readonly #spareTensors: Array<Float32Array | Uint16Array> = [];

  /** Model input tensor element type (quantized Ultralytics exports still take float32). */
  readonly inputDtype: TensorDtype;
  /** The size images are letterboxed to. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** The model's metadata_props, as stored. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Things in the model that were ignored or guessed, worth showing to a user. */
  readonly warnings: readonly string[];

  private constructor(init: DetectorInit) {
    this.#session = init.session;
    this.#inputName = init.inputName;
    this.#outputName = init.outputName;
    this.#layoutOverride = init.layout;
    this.#end2end = init.end2end;
    this.#names = init.names;
    this.#resolved = init.resolved;
    this.inputDtype = init.inputDtype;
    this.inputWidth = init.inputWidth;
    this.inputHeight = init.inputHeight;
    this.metadata = init.metadata;
    this.warnings = init.warnings;
  }

  /** Loads a model file. Errors: `not_found` (no file), `validation_failed` (not a usable detector). */
  static async load(modelPath: string, opts: OnnxDetectorOptions = {}): Promise<OnnxDetector> {
    let bytes: Buffer;
    try {
      bytes = await readFile(modelPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new AppError('not_found', `model file not found: ${modelPath}`, { cause: err });
      throw fail(`cannot read model ${modelPath}: ${(err as Error).message}`, err);
    }
    return OnnxDetector.fromBytes(bytes, opts, modelPath);
  }

  static async fromBytes(bytes: Uint8Array, opts: OnnxDetectorOptions = {}, label = 'model'): Promise<OnnxDetector> {
    const create = opts.worker === true ? createWorkerSession : createInProcessSession;
    const session = await create(bytes, { threads: opts.threads }, label);
    try {
      return OnnxDetector.#describe(session, bytes, opts, label);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  static #describe(session: ModelSession, bytes: Uint8Array, opts: OnnxDetectorOptions, label: string): OnnxDetector {
    // ORT already accepted the bytes, so the protobuf is well formed.
    const info = readOnnxModelInfo(bytes);
    const meta = parseUltralyticsMetadata(info.metadata);
    const warnings = [...meta.warnings];

    if (meta.task !== undefined && meta.task !== 'detect') {
      throw fail(`${label} is an Ultralytics '${meta.task}' model; only 'detect' models are supported`);
    }

    const input = session.inputMetadata[0];
    if (input === undefined || !input.isTensor) throw fail(`${label} has no tensor input`);
    if (session.inputMetadata.length > 1)
      warnings.push(`model has ${session.inputMetadata.length} inputs; feeding only '${input.name}'`);
    const inputDtype = input.type === 'float32' || input.type === 'float16' ? input.type : undefined;
    if (inputDtype === undefined) throw fail(`${label} input '${input.name}' is ${input.type}; expected float32 or float16`);
    if (input.shape.length !== 4)
      throw fail(`${label} input '${input.name}' has shape [${input.shape.join(', ')}]; expected [1, 3, H, W]`);
    const batch = dimOf(input.shape, 0);
    if (batch !== undefined && batch !== 1)
      throw fail(`${label} has a fixed batch of ${batch}; export it with batch=1 or a dynamic batch`);
    const channels = dimOf(input.shape, 1);
    if (channels !== undefined && channels !== 3) throw fail(`${label} input has ${channels} channels; expected 3 (RGB, NCHW)`);

    const fixedH = dimOf(input.shape, 2);
    const fixedW = dimOf(input.shape, 3);
    const wanted =
      opts.imgsz === undefined
        ? undefined
        : typeof opts.imgsz === 'number'
          ? { width: opts.imgsz, height: opts.imgsz }
          : { width: opts.imgsz[1], height: opts.imgsz[0] };
    let inputWidth: number;
    let inputHeight: number;
    if (fixedH !== undefined && fixedW !== undefined) {
      if (wanted !== undefined && (wanted.width !== fixedW || wanted.height !== fixedH)) {
        throw fail(
          `${label} has a fixed ${fixedW}x${fixedH} input; imgsz ${wanted.width}x${wanted.height} cannot be used (omit it or re-export)`,
        );
      }
      inputWidth = fixedW;
      inputHeight = fixedH;
    } else {
      const stride = meta.stride ?? DEFAULT_STRIDE;
      const size = wanted ?? meta.imgsz ?? { width: DEFAULT_DYNAMIC_SIZE, height: DEFAULT_DYNAMIC_SIZE };
      // Strided backbones need multiples of the stride (Ultralytics check_imgsz rounds up the same way).
      inputWidth = fixedW ?? roundUpTo(size.width, stride);
      inputHeight = fixedH ?? roundUpTo(size.height, stride);
      if (wanted === undefined && meta.imgsz === undefined)
        warnings.push(`dynamic input and no imgsz in metadata; using ${inputWidth}x${inputHeight}`);
    }

    const names = opts.names ?? meta.names;
    const outputName = session.outputNames.includes('output0') ? 'output0' : session.outputNames[0];
    if (outputName === undefined) throw fail(`${label} has no outputs`);
    const output = session.outputMetadata.find((m) => m.name === outputName);
    // With a fully static output shape the layout (and a wrong class count) is known before any image.
    let resolved: ResolvedLayout | undefined;
    if (output?.isTensor === true && output.shape.every((d) => typeof d === 'number')) {
      resolved = resolveLayout(output.shape, {
        numClasses: names?.length,
        layout: opts.layout,
        end2end: meta.end2end,
        inputWidth,
        inputHeight,
      });
    }

    return new OnnxDetector({
      session,
      inputName: input.name,
      outputName,
      inputDtype,
      inputWidth,
      inputHeight,
      names,
      layout: opts.layout,
      end2end: meta.end2end,
      metadata: info.metadata,
      warnings,
      resolved,
    });
  }

  /** Class names by id; generated as `class<id>` when neither metadata nor options had them. */
  get names(): readonly string[] {
    if (this.#names !== undefined) return this.#names;
    const n = this.#resolved?.numClasses ?? 0;
    return Array.from({ length: n }, (_, i) => `class${i}`);
  }

  get layout(): YoloLayout | undefined {
    return this.#resolved?.layout ?? this.#layoutOverride;
  }

  /** Decode + letterbox + infer + decode boxes: `infer(await prepare(image))`. */
  async detect(image: DetectorImage, opts: DetectOptions = {}): Promise<DetectResult> {
    return this.infer(await this.prepare(image), opts);
  }

  /**
   * The preprocessing half of `detect`: decode, orient, letterbox into the model's input. Runs on
   * libuv's pool and (briefly) the calling thread, so it can overlap another image's `infer`.
   */
  async prepare(image: DetectorImage): Promise<PreparedImage> {
    if (this.#closed) throw new AppError('unavailable', 'detector is closed');
    const t0 = performance.now();
    try {
      const into = this.#spareTensors.pop() ?? this.#session.allocInput(this.inputDtype, 3 * this.inputWidth * this.inputHeight);
      const { data, geometry, resized } = await letterbox(image, this.inputWidth, this.inputHeight, this.inputDtype, into);
      return { tensor: data, geometry, resized, preprocessMs: performance.now() - t0 };
    } catch (err) {
      // sharp's decode errors ("unsupported image format", truncated JPEG, missing file) are input problems.
      throw new AppError('validation_failed', `cannot decode image: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The model half of `detect`: run, decode the output, NMS, boxes back to source pixels. */
  async infer(prepared: PreparedImage, opts: DetectOptions = {}): Promise<DetectResult> {
    if (this.#closed) throw new AppError('unavailable', 'detector is closed');
    const conf = opts.conf ?? DETECT_DEFAULTS.conf;
    const iouThreshold = opts.iou ?? DETECT_DEFAULTS.iou;
    const maxDet = opts.maxDet ?? DETECT_DEFAULTS.maxDet;
    const { geometry } = prepared;

    const out = await this.#session.run(
      { name: this.#inputName, type: this.inputDtype, data: prepared.tensor, dims: [1, 3, this.inputHeight, this.inputWidth] },
      this.#outputName,
    );
    const t2 = performance.now();
    if (out.spent !== undefined && this.#spareTensors.length < MAX_SPARE_TENSORS) this.#spareTensors.push(out.spent);

    const outDims = out.dims;
    const values = out.data;
    // Resolved once per output shape; dynamic heads keep the same shape for a fixed input size.
    this.#resolved ??= resolveLayout(outDims, {
      numClasses: this.#names?.length,
      layout: this.#layoutOverride,
      end2end: this.#end2end,
      inputWidth: this.inputWidth,
      inputHeight: this.inputHeight,
    });
    const { layout, numClasses } = this.#resolved;
    const candidates = decodeYolo(values, outDims, { layout, numClasses, conf, classes: opts.classes });
    const names = this.names;
    let kept: number[];
    if (layout === 'end2end') {
      // Already NMS-ed by the model; just order and cap.
      kept = Array.from({ length: candidates.count }, (_, i) => i).sort(
        (a, b) => candidates.scores[b]! - candidates.scores[a]! || a - b,
      );
      kept.length = Math.min(kept.length, maxDet);
    } else {
      kept = nms(candidates, { iou: iouThreshold, maxDet });
    }
    const detections = kept.map((i): Detection => {
      const b = candidates.boxes;
      const classId = candidates.classIds[i]!;
      return {
        class: names[classId] ?? `class${classId}`,
        classId,
        score: candidates.scores[i]!,
        box: boxToSource(geometry, b[4 * i]!, b[4 * i + 1]!, b[4 * i + 2]!, b[4 * i + 3]!),
      };
    });
    const t3 = performance.now();

    return {
      width: geometry.srcWidth,
      height: geometry.srcHeight,
      detections,
      timingsMs: { preprocess: prepared.preprocessMs, inference: out.runMs, postprocess: t3 - t2 },
    };
  }

  /** Releases the onnxruntime session; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#session.release();
  }
}
