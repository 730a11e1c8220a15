// What the detector's thread and the inference worker share: the session options, tensor
// conversion and the messages between them. Kept free of the app's other modules so the worker
// thread loads onnxruntime and little else.
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { halfBitsToFloat32 } from './float16.ts';

export type ValueMetadata = InferenceSession.ValueMetadata;

export interface ModelInput {
  readonly name: string;
  readonly type: 'float32' | 'float16';
  /** float16 as raw binary16 bits. */
  readonly data: Float32Array | Uint16Array;
  readonly dims: readonly number[];
}

export interface ModelOutput {
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array;
  /** Time inside `session.run`, without queueing behind other runs or the trip to the worker. */
  readonly runMs: number;
  /** The input's buffer, free again (the worker hands it back), for the next frame's tensor. */
  readonly spent?: Float32Array | Uint16Array;
}

export interface ModelSessionOptions {
  /** Intra-op threads for the CPU provider. Default: onnxruntime's choice (one per physical core). */
  readonly threads?: number | undefined;
}

/** The one set of session options, shared by the detector and the benchmark's raw `session.run`. */
export function ortSessionOptions(opts: ModelSessionOptions): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
    // One image per run: inter-op parallelism only adds thread hand-offs.
    interOpNumThreads: 1,
  };
}

/** Builds the ORT input tensor, working around the float16 binding bug below. */
export function toOrtTensor(input: ModelInput): Tensor {
  if (input.type === 'float16') {
    // onnxruntime-node 1.30 turns a Uint16Array float16 tensor into a Float16Array view that its
    // binding then measures as 0 bytes on Node 24 (microsoft/onnxruntime#32323). The binding does
    // accept raw Uint16Array bits, so build a uint16 tensor and relabel it.
    const t = new Tensor('uint16', input.data as Uint16Array, input.dims);
    Object.defineProperty(t, 'type', { value: 'float16' });
    return t;
  }
  return new Tensor('float32', input.data as Float32Array, input.dims);
}

/** An output tensor as numbers; the result does not alias ORT memory (safe after dispose). */
export function fromOrtTensor(t: Tensor): Pick<ModelOutput, 'dims' | 'data'> {
  const data: unknown = t.data;
  let values: Float32Array | Float64Array;
  if (t.type === 'float32') values = Float32Array.from(data as Float32Array);
  else if (t.type === 'float64') values = Float64Array.from(data as Float64Array);
  // Float16Array on runtimes that have it (read as numbers), raw bits otherwise.
  else if (t.type === 'float16')
    values = data instanceof Uint16Array ? halfBitsToFloat32(data) : Float32Array.from(data as ArrayLike<number>);
  else throw new Error(`detector output is ${t.type}; expected a float tensor`);
  return { dims: t.dims, data: values };
}

// Messages between the detector and inference.worker.ts.
export type WorkerRequest = { readonly kind: 'run'; readonly id: number; readonly input: ModelInput; readonly outputName: string };
export type WorkerReply =
  | {
      readonly kind: 'ready';
      readonly inputNames: string[];
      readonly outputNames: string[];
      readonly inputMetadata: ValueMetadata[];
      readonly outputMetadata: ValueMetadata[];
    }
  | { readonly kind: 'load-failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly output: ModelOutput }
  // The request's input buffer comes back with the result or the error.
  | { readonly kind: 'error'; readonly id: number; readonly message: string; readonly spent: Float32Array | Uint16Array };

export interface WorkerData {
  readonly bytes: Uint8Array;
  readonly options: ModelSessionOptions;
}

/**
 * Shared memory is posted as is (both threads see the same bytes, nothing to copy or detach); an
 * ArrayBuffer the array owns entirely is transferred; anything else is copied.
 */
export function transferable(data: Float32Array | Uint16Array): { data: Float32Array | Uint16Array; transfer: ArrayBuffer[] } {
  if (data.buffer instanceof SharedArrayBuffer) return { data, transfer: [] };
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) {
    return { data, transfer: [data.buffer] };
  }
  const copy = data.slice();
  return { data: copy, transfer: [copy.buffer] };
}
