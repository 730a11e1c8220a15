// The inference thread of a worker `ModelSession` (model-session.ts): one ORT session, runs in
// arrival order, outputs sent back with their buffers transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession } from 'onnxruntime-node';
import {
  fromOrtTensor,
  ortSessionOptions,
  toOrtTensor,
  transferable,
  type WorkerData,
  type WorkerReply,
  type WorkerRequest,
} from './ort-io.ts';

const port = parentPort;
if (port === null) throw new Error('inference.worker.ts must run as a worker thread');
const { bytes, options } = workerData as WorkerData;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let session: InferenceSession;
try {
  session = await InferenceSession.create(bytes, ortSessionOptions(options));
  post({
    kind: 'ready',
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputMetadata: [...session.inputMetadata],
    outputMetadata: [...session.outputMetadata],
  });
} catch (err) {
  post({ kind: 'load-failed', message: (err as Error).message });
  process.exit(0);
}

async function handle(req: WorkerRequest): Promise<void> {
  try {
    const started = performance.now();
    const results = await session.run({ [req.input.name]: toOrtTensor(req.input) }, [req.outputName]);
    const runMs = performance.now() - started;
    const out = results[req.outputName];
    if (out === undefined) throw new Error(`model returned no '${req.outputName}'`);
    const output = { ...fromOrtTensor(out), runMs, spent: req.input.data };
    for (const t of Object.values(results)) t.dispose();
    post({ kind: 'result', id: req.id, output }, [output.data.buffer as ArrayBuffer, ...transferable(req.input.data).transfer]);
  } catch (err) {
    post({ kind: 'error', id: req.id, message: (err as Error).message, spent: req.input.data }, transferable(req.input.data).transfer);
  }
}

// One run at a time, in arrival order. ORT runs synchronously anyway; chaining keeps a queued
// request's `runMs` from counting the runs ahead of it.
let queue = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(() => handle(req));
});
