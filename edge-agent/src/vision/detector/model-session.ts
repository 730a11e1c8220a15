// Where the ONNX model actually runs. onnxruntime-node's `session.run` is synchronous on the
// calling thread (its promise only wraps a setImmediate), so in-process inference blocks the event
// loop: nothing else — decoding the next frame, NATS, HTTP — moves while the model runs. The worker
// session keeps the model on its own thread so a camera pipeline can decode frame N+1 while frame N
// is inferred. Both implement `ModelSession`; `OnnxDetector` does not care which it has.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError } from '@shelfsense/contracts';
import { InferenceSession, Tensor } from 'onnxruntime-node';
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

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  /**
   * Runs one input and returns one output as plain numbers. The session takes ownership of
   * `input.data` (the worker's buffer is transferred, not copied) and returns it as `spent`.
   */
  run(input: ModelInput, outputName: string): Promise<ModelOutput>;
  /** An input buffer this session moves cheaply (shared memory for the worker session). */
  allocInput(type: ModelInput['type'], length: number): Float32Array | Uint16Array;
  release(): Promise<void>;
}

export interface ModelSessionOptions {
  /** Intra-op threads for the CPU provider. Default: onnxruntime's choice (one per physical core). */
  readonly threads?: number | undefined;
}

/**
 * Intra-op threads for a long-running pipeline: every core but one. The spare core decodes and
 * letterboxes the next frames, which for a small model costs about as much as inference itself;
 * measured on 2 cores, 1 inference thread + 1 decoding core out-runs 2 threads fighting the decoder.
 */
export function pipelineInferenceThreads(): number {
  return Math.max(1, availableParallelism() - 1);
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
  else throw new AppError('validation_failed', `detector output is ${t.type}; expected a float tensor`);
  return { dims: t.dims, data: values };
}

function loadFailure(label: string, err: unknown): AppError {
  return new AppError('validation_failed', `cannot load ${label} with onnxruntime: ${(err as Error).message}`, { cause: err });
}

/** The session on the calling thread: simplest, and right for one-off runs (CLI, tests). */
export async function createInProcessSession(bytes: Uint8Array, opts: ModelSessionOptions, label: string): Promise<ModelSession> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, ortSessionOptions(opts));
  } catch (err) {
    throw loadFailure(label, err);
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(input, outputName) {
      const started = performance.now();
      const results = await session.run({ [input.name]: toOrtTensor(input) }, [outputName]);
      const runMs = performance.now() - started;
      try {
        const out = results[outputName];
        if (out === undefined) throw new AppError('internal', `model returned no '${outputName}'`);
        return { ...fromOrtTensor(out), runMs, spent: input.data };
      } finally {
        for (const t of Object.values(results)) t.dispose();
      }
    },
    allocInput: (type, length) => (type === 'float16' ? new Uint16Array(length) : new Float32Array(length)),
    release: () => session.release(),
  };
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

/**
 * The session on a worker thread. Runs are queued in order (the worker runs one at a time); a
 * crashed worker fails every pending and later run with a clear error.
 */
export async function createWorkerSession(bytes: Uint8Array, opts: ModelSessionOptions, label: string): Promise<ModelSession> {
  const worker = new Worker(new URL('./inference.worker.ts', import.meta.url), {
    workerData: { bytes, options: opts } satisfies WorkerData,
  });
  const pending = new Map<number, { resolve: (o: ModelOutput) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: AppError | undefined;
  const failAll = (err: AppError) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const ready = await new Promise<Extract<WorkerReply, { kind: 'ready' }>>((resolve, reject) => {
    const onMessage = (m: WorkerReply) => {
      if (m.kind === 'ready') done(() => resolve(m));
      else if (m.kind === 'load-failed') done(() => reject(loadFailure(label, new Error(m.message))));
    };
    const onError = (err: Error) => done(() => reject(loadFailure(label, err)));
    const onExit = (code: number) => done(() => reject(loadFailure(label, new Error(`inference worker exited with code ${code}`))));
    const done = (settle: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });

  worker.on('message', (m: WorkerReply) => {
    if (m.kind !== 'result' && m.kind !== 'error') return;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.output);
    else p.reject(new AppError('internal', `inference failed: ${m.message}`));
  });
  worker.on('error', (err: Error) => failAll(new AppError('internal', `inference worker crashed: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => failAll(new AppError('unavailable', `inference worker exited (code ${code})`)));

  return {
    inputNames: ready.inputNames,
    outputNames: ready.outputNames,
    inputMetadata: ready.inputMetadata,
    outputMetadata: ready.outputMetadata,
    run(input, outputName) {
      if (dead !== undefined) return Promise.reject(dead);
      const id = nextId++;
      const { data, transfer } = transferable(input.data);
      return new Promise<ModelOutput>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const request: WorkerRequest = { kind: 'run', id, input: { ...input, data }, outputName };
        worker.postMessage(request, transfer);
      });
    },
    // Measured here: a run on shared memory makes the round trip ~1.5 ms shorter than transferring
    // a fresh 1.6 MB tensor there and back (tensor pages stay mapped on both sides).
    allocInput: (type, length) => {
      const bytes = new SharedArrayBuffer(length * (type === 'float16' ? 2 : 4));
      return type === 'float16' ? new Uint16Array(bytes) : new Float32Array(bytes);
    },
    async release() {
      failAll(new AppError('unavailable', 'detector is closed'));
      await worker.terminate();
    },
  };
}
