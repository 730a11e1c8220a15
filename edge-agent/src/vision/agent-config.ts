// The edge agent's camera file (YAML or JSON by extension), parsed once with zod. Every problem is
// reported at once with the path of the bad key, e.g. `cameras[1].zones[0].polygon: ...`.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, TokenId } from '@shelfsense/contracts';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** The model this repository ships (edge-agent/models/shelf-detector.onnx). */
export const BUNDLED_MODEL_PATH = fileURLToPath(new URL('../../models/shelf-detector.onnx', import.meta.url));

const Ms = z.number().int().min(0);
const PositiveMs = z.number().int().min(1);
const Share = z.number().min(0).max(1);
const Headers = z.record(z.string().min(1), z.string());

const Point = z.tuple([Share, Share]);

const Polygon = z
  .array(Point)
  .min(3, 'needs at least 3 points')
  .max(64)
  .refine((pts) => Math.abs(shoelace(pts)) > 1e-6, 'has no area (points on one line?)');

function shoelace(pts: ReadonlyArray<readonly [number, number]>): number {
  let s = 0;
  for (let i = 0; i < pts.length; i++) {
    const [x1, y1] = pts[i]!;
    const [x2, y2] = pts[(i + 1) % pts.length]!;
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

const Zone = z.strictObject({
  id: TokenId,
  sku: z.string().min(1).max(128),
  expectedFacings: z.number().int().min(0).max(10_000),
  /** Normalized image coordinates (0..1), clockwise or not, at least 3 points. */
  polygon: Polygon,
});
export type ZoneConfig = z.infer<typeof Zone>;

const FfmpegCommon = {
  /** Executable; default `ffmpeg` on PATH. */
  ffmpegPath: z.string().min(1).optional(),
  stallTimeoutMs: PositiveMs.default(15_000),
  /** JPEG quality scale of ffmpeg's encoder, 2 (best) .. 31. */
  quality: z.number().int().min(2).max(31).default(5),
};

const Source = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    /** An image, or a folder of .jpg/.png replayed in name order; relative to the config file. */
    path: z.string().min(1),
    loop: z.boolean().default(true),
  }),
  z.strictObject({
    kind: z.literal('http-snapshot'),
    url: z.url({ protocol: /^https?$/ }),
    timeoutMs: PositiveMs.default(5_000),
    headers: Headers.optional(),
  }),
  z.strictObject({
    kind: z.literal('mjpeg'),
    url: z.url({ protocol: /^https?$/ }),
    /** Connect timeout and longest silence before the stream counts as stalled. */
    timeoutMs: PositiveMs.default(10_000),
    headers: Headers.optional(),
  }),
  z.strictObject({
    kind: z.literal('rtsp'),
    url: z.url({ protocol: /^rtsps?$/ }),
    transport: z.enum(['tcp', 'udp']).default('tcp'),
    ...FfmpegCommon,
  }),
  z.strictObject({
    kind: z.literal('usb'),
    device: z.string().min(1),
    inputFormat: z.string().min(1).optional(),
    width: z.number().int().min(16).max(8192).optional(),
    height: z.number().int().min(16).max(8192).optional(),
    fps: z.number().min(0.1).max(240).optional(),
    ...FfmpegCommon,
  }),
  z.strictObject({
    kind: z.literal('synthetic'),
    seed: z.number().int(),
    /** One zone per SKU; use the POS's SKUs so sales deplete them. */
    skus: z.array(z.string().min(1).max(128)).min(1).max(40),
    rows: z.number().int().min(1).max(8).optional(),
    width: z.number().int().min(160).max(4096).default(640),
    height: z.number().int().min(120).max(4096).default(480),
    /** Every zone back to full on this period; null = never. */
    restockEveryMs: PositiveMs.nullable().default(10 * 60_000),
    occlusion: z.boolean().default(false),
    /** Deplete zones from the store's `pos.order` events on NATS. */
    followPos: z.boolean().default(true),
  }),
]);
export type SourceConfig = z.infer<typeof Source>;

const GatingFields = {
  enabled: z.boolean(),
  /** Size of the grayscale thumbnail that is compared. */
  width: z.number().int().min(4).max(256),
  height: z.number().int().min(4).max(256),
  /** Analyse when the mean absolute difference (0..255) reaches this... */
  meanDiff: z.number().min(0).max(255),
  /** ...or when this share of thumbnail pixels changed by at least `cellDiff`. */
  cellDiff: z.number().min(1).max(255),
  changedFraction: Share,
  /** Analyse at least this often, changed or not. */
  maxIntervalMs: PositiveMs,
};
export type GatingConfig = z.infer<z.ZodObject<typeof GatingFields>>;
const GATING_DEFAULTS: GatingConfig = {
  enabled: true,
  width: 32,
  height: 18,
  meanDiff: 4,
  // One product sold on a 640×480 shelf changes 4+ of 576 cells by far more than 10; sensor noise
  // changes none (measured on the synthetic camera).
  cellDiff: 10,
  changedFraction: 0.003,
  maxIntervalMs: 10_000,
};

const ThresholdFields = {
  emptyFillBelow: Share,
  lowFillBelow: Share,
  emptyFacingsAtMost: z.number().int().min(0),
  lowFacingsBelow: Share.nullable(),
};
const THRESHOLD_DEFAULTS = { emptyFillBelow: 0.15, lowFillBelow: 0.5, emptyFacingsAtMost: 0, lowFacingsBelow: null };
const HysteresisFields = {
  confirmFrames: z.number().int().min(1).max(100),
  margin: z.number().min(0).max(0.5),
  /** null: every new state waits for confirmFrames; see zone-state.service.ts. */
  clearMargin: z.number().min(0).max(1).nullable(),
};
const HYSTERESIS_DEFAULTS = { confirmFrames: 2, margin: 0.01, clearMargin: 0.2 };

const Camera = z
  .strictObject({
    id: TokenId,
    /** At most one frame examined per interval; also the polling period of polling sources. */
    intervalMs: PositiveMs.default(1_000),
    source: Source,
    /** Required except for synthetic cameras, which lay out their own zones. */
    zones: z.array(Zone).max(500).optional(),
    gating: z.strictObject(GatingFields).partial().optional(),
    thresholds: z.strictObject(ThresholdFields).partial().optional(),
    hysteresis: z.strictObject(HysteresisFields).partial().optional(),
  })
  .superRefine((cam, ctx) => {
    if (cam.source.kind !== 'synthetic' && (cam.zones === undefined || cam.zones.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['zones'], message: `a ${cam.source.kind} camera needs at least one zone` });
    }
    const seen = new Set<string>();
    cam.zones?.forEach((zone, i) => {
      if (seen.has(zone.id)) ctx.addIssue({ code: 'custom', path: ['zones', i, 'id'], message: `duplicate zone id "${zone.id}"` });
      seen.add(zone.id);
    });
  });
export type CameraConfig = z.infer<typeof Camera>;

export const AgentConfigSchema = z
  .strictObject({
    model: z
      .strictObject({
        /** ONNX file; relative to the config file. Default: the bundled shelf model. */
        path: z.string().min(1).optional(),
        /** Reported in observations; default the file name without `.onnx`. */
        id: z.string().min(1).max(128).optional(),
        conf: Share.default(0.25),
        iou: Share.default(0.45),
        /** Inference threads. Default: all cores but one (the other decodes frames meanwhile). */
        threads: z.number().int().min(1).max(64).optional(),
        imgsz: z.number().int().min(32).max(4096).optional(),
        productClass: z.string().min(1).default('product'),
        gapClass: z.string().min(1).default('gap'),
      })
      .prefault({}),
    analysis: z
      .strictObject({
        /**
         * `pitch` (products with their spacing ÷ zone width), `span` (product width ÷ zone width),
         * `width` (product vs gap width) or `area`; see shelf-analysis.service.ts.
         */
        fillMetric: z.enum(['pitch', 'span', 'width', 'area']).default('pitch'),
        /**
         * Take facings ÷ expected facings as the fill when it agrees with the measured fill to half
         * a facing: exact for zones of one package size, wrong for zones of mixed widths.
         */
        snapToFacings: z.boolean().default(false),
        /** Publish when a zone's fill moves by more than this. */
        fillChangeDelta: Share.default(0.05),
      })
      .prefault({}),
    thresholds: z.strictObject(ThresholdFields).partial().prefault({}),
    hysteresis: z.strictObject(HysteresisFields).partial().prefault({}),
    gating: z.strictObject(GatingFields).partial().prefault({}),
    reconnect: z
      .strictObject({
        initialMs: PositiveMs.default(500),
        maxMs: PositiveMs.default(30_000),
        factor: z.number().min(1).max(10).default(2),
        jitter: Share.default(0.2),
        healthyAfterMs: Ms.default(30_000),
      })
      .prefault({}),
    /** An unchanged camera still publishes its zones this often. */
    keepAliveMs: PositiveMs.default(60_000),
    heartbeatMs: PositiveMs.default(15_000),
    snapshots: z
      .strictObject({
        enabled: z.boolean().default(true),
        bucket: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/).default('shelf-snapshots'),
        /** Annotated snapshot at most this often per camera... */
        everyMs: PositiveMs.default(60_000),
        /** ...and on every zone state change. */
        onStateChange: z.boolean().default(true),
        maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
        ttlMs: PositiveMs.default(24 * 60 * 60_000),
        replicas: z.number().int().min(1).max(5).default(1),
        jpegQuality: z.number().int().min(10).max(100).default(70),
      })
      .prefault({}),
    publish: z
      .strictObject({
        /** Events waiting for JetStream before the oldest is dropped. */
        maxBacklog: z.number().int().min(1).default(1_000),
        attempts: z.number().int().min(1).max(20).default(3),
      })
      .prefault({}),
    cameras: z.array(Camera).min(1).max(64),
    /** For completeness of the file; the agent's connections come from its env config. */
    nats: z.strictObject({ url: z.string().min(1).optional(), jsDomain: z.string().min(1).optional() }).optional(),
    pos: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    // Thresholds are checked once merged: a camera may override just one of the pair.
    const agentThresholds = { ...THRESHOLD_DEFAULTS, ...stripUndefined(cfg.thresholds) };
    const checkOrder = (t: { emptyFillBelow: number; lowFillBelow: number }, path: PropertyKey[]) => {
      if (t.emptyFillBelow > t.lowFillBelow) {
        ctx.addIssue({ code: 'custom', path: [...path, 'emptyFillBelow'], message: `must not be above lowFillBelow (${t.lowFillBelow})` });
      }
    };
    checkOrder(agentThresholds, ['thresholds']);
    cfg.cameras.forEach((cam, i) => {
      if (seen.has(cam.id)) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'id'], message: `duplicate camera id "${cam.id}"` });
      seen.add(cam.id);
      if (cam.thresholds !== undefined) checkOrder({ ...agentThresholds, ...stripUndefined(cam.thresholds) }, ['cameras', i, 'thresholds']);
    });
  });

type ParsedConfig = z.infer<typeof AgentConfigSchema>;

export interface StateConfig {
  readonly emptyFillBelow: number;
  readonly lowFillBelow: number;
  readonly emptyFacingsAtMost: number;
  readonly lowFacingsBelow: number | null;
}
export interface HysteresisConfig {
  readonly confirmFrames: number;
  readonly margin: number;
  readonly clearMargin: number | null;
}

/** The parsed file with defaults filled in and paths resolved. */
export type AgentConfig = Omit<ParsedConfig, 'model' | 'thresholds' | 'hysteresis' | 'gating'> & {
  readonly model: ParsedConfig['model'] & { readonly path: string; readonly id: string };
  readonly thresholds: StateConfig;
  readonly hysteresis: HysteresisConfig;
  readonly gating: GatingConfig;
};

/** A camera with the agent-wide defaults applied. */
export interface EffectiveCamera {
  readonly id: string;
  readonly intervalMs: number;
  readonly source: SourceConfig;
  readonly zones: readonly ZoneConfig[] | undefined;
  readonly gating: GatingConfig;
  readonly thresholds: StateConfig;
  readonly hysteresis: HysteresisConfig;
}

export function effectiveCamera(config: AgentConfig, cam: CameraConfig): EffectiveCamera {
  return {
    id: cam.id,
    intervalMs: cam.intervalMs,
    source: cam.source,
    zones: cam.zones,
    gating: { ...config.gating, ...stripUndefined(cam.gating ?? {}) },
    thresholds: { ...config.thresholds, ...stripUndefined(cam.thresholds ?? {}) },
    hysteresis: { ...config.hysteresis, ...stripUndefined(cam.hysteresis ?? {}) },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `cameras.1.zones.0.polygon` → `cameras[1].zones[0].polygon`. */
export function formatConfigPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function issueLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => `  ${formatConfigPath(issue.path)}: ${issue.message}`);
}

/**
 * Validates an already-decoded config object. Relative paths resolve against `baseDir` (the
 * config file's folder). Errors: `validation_failed` listing every bad key with its path.
 */
export function parseAgentConfig(input: unknown, opts: { baseDir?: string; source?: string } = {}): AgentConfig {
  const result = AgentConfigSchema.safeParse(input);
  if (!result.success) {
    const where = opts.source !== undefined ? ` ${opts.source}` : '';
    throw new AppError('validation_failed', `invalid agent config${where}:\n${issueLines(result.error).join('\n')}`, {
      details: result.error.issues.map((i) => ({ path: formatConfigPath(i.path), message: i.message })),
    });
  }
  const cfg = result.data;
  const base = opts.baseDir ?? process.cwd();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const modelPath = cfg.model.path !== undefined ? at(cfg.model.path) : BUNDLED_MODEL_PATH;
  return {
    ...cfg,
    model: { ...cfg.model, path: modelPath, id: cfg.model.id ?? basenameWithoutExt(modelPath) },
    thresholds: { ...THRESHOLD_DEFAULTS, ...stripUndefined(cfg.thresholds) },
    hysteresis: { ...HYSTERESIS_DEFAULTS, ...stripUndefined(cfg.hysteresis) },
    gating: { ...GATING_DEFAULTS, ...stripUndefined(cfg.gating) },
    cameras: cfg.cameras.map((cam) => (cam.source.kind === 'file' ? { ...cam, source: { ...cam.source, path: at(cam.source.path) } } : cam)),
  };
}

function basenameWithoutExt(p: string): string {
  const name = p.split(/[\\/]/).pop() ?? p;
  return name.slice(0, name.length - extname(name).length) || name;
}

/** Reads a `.yaml`/`.yml`/`.json` agent config. Errors name the file and the bad key paths. */
export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('not_found', `cannot read agent config ${path}: ${(err as Error).message}`, { cause: err });
  }
  const ext = extname(path).toLowerCase();
  let raw: unknown;
  try {
    if (ext === '.json') raw = JSON.parse(text);
    else if (ext === '.yaml' || ext === '.yml') raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    else throw new AppError('validation_failed', `agent config ${path}: unknown extension "${ext}" (use .yaml, .yml or .json)`);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('validation_failed', `agent config ${path} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseAgentConfig(raw, { baseDir: dirname(resolve(path)), source: path });
}

/** Stable JSON (sorted keys), so equal configs hash equally whatever the key order in the file. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of the stable JSON; what heartbeats report as `configHash`. */
export function configHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}
