import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@shelfsense/contracts';
import { tempDir } from '@shelfsense/test';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_PATH, configHash, effectiveCamera, formatConfigPath, loadAgentConfig, parseAgentConfig } from './agent-config.ts';

const square = [
  [0.1, 0.1],
  [0.4, 0.1],
  [0.4, 0.3],
  [0.1, 0.3],
];
const rtspCamera = (over: Record<string, unknown> = {}) => ({
  id: 'aisle-1',
  source: { kind: 'rtsp', url: 'rtsp://cam.local/stream' },
  zones: [{ id: 'cola', sku: 'bev-col', expectedFacings: 6, polygon: square }],
  ...over,
});

function problems(input: unknown): string[] {
  try {
    parseAgentConfig(input);
  } catch (err) {
    if (err instanceof AppError) return err.message.split('\n').slice(1).map((l) => l.trim());
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseAgentConfig', () => {
  it('fills defaults: bundled model, thresholds, gating, snapshots', () => {
    const sut = parseAgentConfig({ cameras: [rtspCamera()] });
    expect(sut.model).toMatchObject({ path: BUNDLED_MODEL_PATH, id: 'shelf-detector', conf: 0.25, iou: 0.45, productClass: 'product' });
    expect(sut.thresholds).toEqual({ emptyFillBelow: 0.15, lowFillBelow: 0.5, emptyFacingsAtMost: 0, lowFacingsBelow: null });
    expect(sut.hysteresis).toEqual({ confirmFrames: 2, margin: 0.01, clearMargin: 0.2 });
    expect(sut.analysis.fillMetric).toBe('pitch');
    expect(sut.gating.maxIntervalMs).toBe(10_000);
    expect(sut.snapshots).toMatchObject({ enabled: true, bucket: 'shelf-snapshots' });
    expect(sut.cameras[0]).toMatchObject({ intervalMs: 1000, source: { kind: 'rtsp', transport: 'tcp', stallTimeoutMs: 15_000 } });
  });

  it('names the path of every bad key at once', () => {
    const bad = {
      cameras: [
        rtspCamera(),
        rtspCamera({
          id: 'aisle-2',
          zones: [{ id: 'cola', sku: 'x', expectedFacings: 6, polygon: [[0.1, 0.1], [1.4, 0.1], [0.2, 0.5]] }],
        }),
        rtspCamera({ id: 'Aisle 3', intervalMs: 'fast' }),
      ],
    };
    const lines = problems(bad);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cameras\[1\]\.zones\[0\]\.polygon\[1\]\[0\]: /),
        expect.stringMatching(/^cameras\[2\]\.id: must be 1-64 chars/),
        expect.stringMatching(/^cameras\[2\]\.intervalMs: .*number/),
      ]),
    );
  });

  it('checks threshold order after merging camera overrides with the agent defaults', () => {
    // Cross-field checks run once every key is valid on its own (zod skips refinements before that).
    expect(problems({ thresholds: { emptyFillBelow: 0.6 }, cameras: [rtspCamera({ thresholds: { lowFillBelow: 0.1 } })] })).toEqual([
      'thresholds.emptyFillBelow: must not be above lowFillBelow (0.5)',
      'cameras[0].thresholds.emptyFillBelow: must not be above lowFillBelow (0.1)',
    ]);
  });

  it('rejects degenerate polygons, duplicate ids, unknown keys and zone-less real cameras', () => {
    const lines = problems({
      cameras: [
        rtspCamera({ zones: [{ id: 'z', sku: 's', expectedFacings: 1, polygon: [[0, 0], [0.5, 0.5], [1, 1]] }] }),
        rtspCamera({ zones: [], intervallMs: 5 }),
        { id: 'cam-3', source: { kind: 'mjpeg', url: 'ftp://x' }, zones: [] },
        { id: 'cam-4', source: { kind: 'usb', device: '/dev/video0' }, zones: [rtspCamera().zones[0], rtspCamera().zones[0]] },
      ],
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'cameras[0].zones[0].polygon: has no area (points on one line?)',
        expect.stringMatching(/^cameras\[1\]: Unrecognized key: "intervallMs"/),
        expect.stringMatching(/^cameras\[1\]\.id: duplicate camera id "aisle-1"/),
        expect.stringMatching(/^cameras\[2\]\.source\.url: /),
        'cameras[2].zones: a mjpeg camera needs at least one zone',
        'cameras[3].zones[1].id: duplicate zone id "cola"',
      ]),
    );
  });

  it('names an unknown source kind', () => {
    expect(problems({ cameras: [{ id: 'c', source: { kind: 'webcam' } }] })).toEqual([expect.stringMatching(/^cameras\[0\]\.source\.kind: /)]);
  });

  it('lets cameras override gating, thresholds and hysteresis', () => {
    const cfg = parseAgentConfig({
      gating: { maxIntervalMs: 5000 },
      cameras: [
        rtspCamera({ gating: { meanDiff: 9 }, thresholds: { lowFillBelow: 0.6 }, hysteresis: { confirmFrames: 4 } }),
        rtspCamera({ id: 'aisle-2', hysteresis: { clearMargin: null } }),
      ],
    });
    const cam = effectiveCamera(cfg, cfg.cameras[0]!);
    expect(cam.gating).toMatchObject({ meanDiff: 9, maxIntervalMs: 5000, cellDiff: 10 });
    expect(cam.thresholds).toMatchObject({ lowFillBelow: 0.6, emptyFillBelow: 0.15 });
    expect(cam.hysteresis).toEqual({ confirmFrames: 4, margin: 0.01, clearMargin: 0.2 });
    // null turns the at-once path off: every change waits for confirmation.
    expect(effectiveCamera(cfg, cfg.cameras[1]!).hysteresis).toEqual({ confirmFrames: 2, margin: 0.01, clearMargin: null });
  });

  it('names a bad hysteresis or fill metric setting', () => {
    expect(problems({ hysteresis: { clearMargin: 2 }, cameras: [rtspCamera()] })).toEqual([expect.stringMatching(/^hysteresis\.clearMargin: /)]);
    expect(problems({ analysis: { fillMetric: 'volume' }, cameras: [rtspCamera()] })).toEqual([expect.stringMatching(/^analysis\.fillMetric: .*pitch/)]);
  });

  it('hashes configs independently of key order', () => {
    expect(configHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(configHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });

  it('formats paths like a property access', () => {
    expect(formatConfigPath(['cameras', 1, 'zones', 0, 'polygon'])).toBe('cameras[1].zones[0].polygon');
    expect(formatConfigPath([])).toBe('(root)');
  });
});

describe('loadAgentConfig', () => {
  const dir = tempDir('agent-config');

  it('reads YAML and JSON by extension and resolves paths against the file', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'model:\n  path: models/m.onnx\ncameras:\n  - id: replay\n    source: { kind: file, path: frames }\n    zones:\n      - { id: z, sku: s, expectedFacings: 1, polygon: [[0,0],[1,0],[1,1]] }\n');
    const yaml = await loadAgentConfig(join(dir, 'a.yaml'));
    expect(yaml.model).toMatchObject({ path: join(dir, 'models/m.onnx'), id: 'm' });
    expect(yaml.cameras[0]!.source).toMatchObject({ kind: 'file', path: join(dir, 'frames'), loop: true });

    writeFileSync(join(dir, 'a.json'), JSON.stringify({ cameras: [rtspCamera()] }));
    expect((await loadAgentConfig(join(dir, 'a.json'))).cameras[0]!.id).toBe('aisle-1');
  });

  it('reports a YAML syntax error with its line, and the file name with schema errors', async () => {
    writeFileSync(join(dir, 'broken.yml'), 'cameras:\n  - id: x\n   source: [\n');
    await expect(loadAgentConfig(join(dir, 'broken.yml'))).rejects.toThrow(/broken\.yml is not valid YAML: .*line/s);
    writeFileSync(join(dir, 'bad.yaml'), 'cameras:\n  - id: x\n    source: { kind: rtsp, url: "rtsp://h/s" }\n');
    await expect(loadAgentConfig(join(dir, 'bad.yaml'))).rejects.toThrow(/invalid agent config .*bad\.yaml:\n {2}cameras\[0\]\.zones: a rtsp camera needs at least one zone/);
    await expect(loadAgentConfig(join(dir, 'a.toml'))).rejects.toThrow(/cannot read agent config/);
  });

  it('accepts the example config shipped in edge-agent/examples', async () => {
    const sut = await loadAgentConfig(fileURLToPath(new URL('../../examples/agent.yaml', import.meta.url)));
    expect(sut.cameras.map((c) => [c.id, c.source.kind])).toEqual([
      ['cam-drinks', 'synthetic'],
      ['cam-snacks', 'synthetic'],
    ]);
  });
});
