// Zone-state accuracy of the bundled (or any) shelf model on labelled synthetic depletion/restock
// sequences. Usage:
//   node edge-agent/scripts/eval-zone-states.ts [--model file.onnx] [--seeds 8200001,8200002]
//     [--count 5] [--frames-per-step 5] [--fill-metric pitch|span|width|area] [--snap] [--tolerance 0.05] [--occlusion]
//     [--margin 0.01] [--confirm-frames 2] [--clear-margin 0.2|null] [--oracle] [--json]
// Seeds default to 8_200_001.. (far from the training seeds). --oracle uses the scene labels as
// detections, measuring the analysis and hysteresis alone. Analysis and hysteresis default to the
// agent's defaults (DEFAULT_ANALYSIS, DEFAULT_HYSTERESIS).
import { parseArgs } from 'node:util';
import { BUNDLED_MODEL_PATH } from '../src/vision/agent-config.ts';
import { OnnxDetector } from '../src/vision/detector/onnx-detector.ts';
import { evaluateZoneStates, oracleDetect, type EvalDetect } from '../src/vision/pipeline/zone-state.eval.ts';
import { DEFAULT_ANALYSIS, type FillMetric } from '../src/vision/shelf/shelf-analysis.service.ts';
import { DEFAULT_HYSTERESIS, type HysteresisOptions } from '../src/vision/shelf/zone-state.service.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: BUNDLED_MODEL_PATH },
    seeds: { type: 'string' },
    count: { type: 'string', default: '5' },
    'frames-per-step': { type: 'string', default: '5' },
    'fill-metric': { type: 'string', default: DEFAULT_ANALYSIS.fillMetric },
    conf: { type: 'string', default: '0.25' },
    tolerance: { type: 'string', default: '0.05' },
    margin: { type: 'string', default: String(DEFAULT_HYSTERESIS.margin) },
    'confirm-frames': { type: 'string', default: String(DEFAULT_HYSTERESIS.confirmFrames) },
    'clear-margin': { type: 'string', default: String(DEFAULT_HYSTERESIS.clearMargin) },
    occlusion: { type: 'boolean', default: false },
    // Snap the fill to facings ÷ expected facings when they agree (analysis.snapToFacings).
    snap: { type: 'boolean', default: DEFAULT_ANALYSIS.snapToFacings },
    oracle: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const seeds = values.seeds !== undefined ? values.seeds.split(',').map(Number) : Array.from({ length: Number(values.count) }, (_, i) => 8_200_001 + i);
const FILL_METRICS: readonly FillMetric[] = ['pitch', 'span', 'width', 'area'];
const fillMetric = FILL_METRICS.find((f) => f === values['fill-metric']);
if (fillMetric === undefined) throw new Error(`--fill-metric must be one of ${FILL_METRICS.join(', ')}`);
const hysteresis: HysteresisOptions = {
  confirmFrames: Number(values['confirm-frames']),
  margin: Number(values.margin),
  clearMargin: values['clear-margin'] === 'null' ? null : Number(values['clear-margin']),
};
let detector: OnnxDetector | undefined;
let detect: EvalDetect = oracleDetect;
if (!values.oracle) {
  detector = await OnnxDetector.load(values.model);
  const d = detector;
  const conf = Number(values.conf);
  detect = (jpeg) => d.detect(jpeg, { conf, iou: 0.45 });
}
const started = performance.now();
try {
  const r = await evaluateZoneStates({
    detect,
    seeds,
    framesPerStep: Number(values['frames-per-step']),
    occlusion: values.occlusion,
    render: !values.oracle,
    tolerance: Number(values.tolerance),
    analysis: { ...DEFAULT_ANALYSIS, fillMetric, snapToFacings: values.snap },
    hysteresis,
    onFrame: (n) => {
      if (!values.json && n % 25 === 0) process.stderr.write(`  ${n} frames\r`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ model: values.oracle ? 'oracle' : values.model, seeds, fillMetric, snapToFacings: values.snap, hysteresis, occlusion: values.occlusion, ...r, seconds }));
  } else {
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    console.log(`model        ${values.oracle ? 'oracle (scene labels)' : values.model}`);
    console.log(`seeds        ${seeds.join(', ')}${values.occlusion ? ' (with occlusion)' : ''}`);
    console.log(`frames       ${r.frames} (${r.zoneFrames} zone-frames, ${seconds.toFixed(1)} s)`);
    console.log(
      `settings     fill ${fillMetric}${values.snap ? ', snapped to facings' : ''}; hysteresis confirm ${hysteresis.confirmFrames}, margin ${hysteresis.margin}, clear margin ${hysteresis.clearMargin ?? 'off'}`,
    );
    console.log(`zone state   ${pct(r.accuracy)} correct after hysteresis (±${values.tolerance} at thresholds), ${pct(r.rawAccuracy)} before`);
    console.log(`strict       ${pct(r.strictAccuracy)} equal to the exact true state`);
    console.log(`all zones    ${pct(r.framesAllCorrect / Math.max(1, r.frames))} of frames`);
    console.log(`changes      ${r.reportedChanges} reported for ${r.trueChanges} real state changes (more = flapping)`);
    console.log(`fill error   ${r.meanFillError.toFixed(3)} mean |measured − true| (${fillMetric})`);
    console.log('confusion    truth → reported ok/low/empty');
    for (const t of ['ok', 'low', 'empty'] as const) console.log(`  ${t.padEnd(6)} ${r.confusion[t].ok} / ${r.confusion[t].low} / ${r.confusion[t].empty}`);
    for (const s of r.perSeed) console.log(`  seed ${s.seed}: ${pct(s.accuracy)} (strict ${pct(s.strictAccuracy)}) of ${s.zoneFrames}`);
  }
} finally {
  await detector?.close();
}
