// Loads an ONNX detector with onnxruntime-node and prints its input/output names and shapes; with a
// reference dir from edge-agent/training/export.py --reference, also runs the reference input and
// reports the largest difference to torch's output.
// Usage: node edge-agent/scripts/onnx-check.ts edge-agent/models/shelf-detector.onnx [/tmp/shelf-ref]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelPath, refDir] = process.argv.slice(2);
if (modelPath === undefined) {
  process.stderr.write('usage: node edge-agent/scripts/onnx-check.ts <model.onnx> [reference-dir]\n');
  process.exit(2);
}

const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
try {
  const describe = (m: readonly ort.InferenceSession.ValueMetadata[]) =>
    m.map((v) => (v.isTensor ? `${v.name} ${v.type} [${v.shape.join(', ')}]` : v.name)).join('; ');
  console.log(`inputs: ${describe(session.inputMetadata)}`);
  console.log(`outputs: ${describe(session.outputMetadata)}`);

  const input = session.inputMetadata[0];
  if (input === undefined || !input.isTensor) throw new Error('model has no tensor input');
  const shape = input.shape.map((d) => (typeof d === 'number' ? d : 1));
  let data = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(114 / 255);
  let expected: Float32Array | undefined;
  if (refDir !== undefined) {
    const bytes = async (f: string) => {
      const b = await readFile(join(refDir, f));
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    data = await bytes('input.f32');
    expected = await bytes('output.f32');
  }
  const t0 = performance.now();
  const result = await session.run({ [input.name]: new ort.Tensor('float32', data, shape) });
  const ms = performance.now() - t0;
  const out = result[session.outputNames[0]!]!;
  console.log(`output0 dims [${out.dims.join(', ')}], first run ${ms.toFixed(1)} ms`);
  if (expected !== undefined) {
    const got = out.data as Float32Array;
    if (got.length !== expected.length) throw new Error(`length ${got.length} != reference ${expected.length}`);
    let maxBox = 0;
    let maxScore = 0;
    const n = out.dims[2]!;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i]! - expected[i]!);
      if (Math.floor(i / n) < 4) maxBox = Math.max(maxBox, d);
      else maxScore = Math.max(maxScore, d);
    }
    console.log(`max |onnxruntime - torch|: boxes ${maxBox.toExponential(2)} px, scores ${maxScore.toExponential(2)}`);
    if (maxBox > 0.05 || maxScore > 1e-3) process.exitCode = 1;
  }
} finally {
  await session.release();
}
