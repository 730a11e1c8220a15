import { parsePythonLiteral, PyLiteralError, type PyValue } from './python-literal.ts';

/** What the detector uses from an Ultralytics (or YOLOv5) export's metadata_props. */
export interface UltralyticsMetadata {
  /** Class names by id; ids missing from a dict become `class<id>`. */
  readonly names: readonly string[] | undefined;
  /** Training/export input size. */
  readonly imgsz: { readonly width: number; readonly height: number } | undefined;
  readonly stride: number | undefined;
  /** `detect`, `segment`, `pose`, `obb`, `classify`; YOLOv5 exports have none. */
  readonly task: string | undefined;
  /** True for NMS-free `[1, N, 6]` outputs (`end2end` key, or `nms: True` in the export args). */
  readonly end2end: boolean | undefined;
  /** Values that were present but could not be understood, for the caller to show. */
  readonly warnings: readonly string[];
}

function parse(key: string, text: string, warnings: string[]): PyValue | undefined {
  try {
    return parsePythonLiteral(text);
  } catch (err) {
    if (!(err instanceof PyLiteralError)) throw err;
    warnings.push(`metadata ${key} ignored: ${err.message}`);
    return undefined;
  }
}

const MAX_CLASSES = 100_000;

/** `{0: 'a', 1: 'b'}`, `['a', 'b']` or JSON equivalents → `['a', 'b']`. */
export function namesFromValue(v: PyValue | undefined): string[] | undefined {
  if (Array.isArray(v)) return v.every((n) => typeof n === 'string') ? v : undefined;
  if (!(v instanceof Map) || v.size === 0) return undefined;
  const byId = new Map<number, string>();
  for (const [k, name] of v) {
    const id = typeof k === 'number' ? k : typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : NaN;
    if (!Number.isInteger(id) || id < 0 || id >= MAX_CLASSES || typeof name !== 'string') return undefined;
    byId.set(id, name);
  }
  const count = Math.max(...byId.keys()) + 1;
  return Array.from({ length: count }, (_, id) => byId.get(id) ?? `class${id}`);
}

/** `[640, 640]` (height, width, as Ultralytics orders it), `640`, `(480, 640)`. */
export function imgszFromValue(v: PyValue | undefined): { width: number; height: number } | undefined {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (ok(v)) return { width: v, height: v };
  if (Array.isArray(v)) {
    if (v.length === 1 && ok(v[0])) return { width: v[0], height: v[0] };
    if (v.length === 2 && ok(v[0]) && ok(v[1])) return { width: v[1], height: v[0] };
  }
  return undefined;
}

function truthy(v: PyValue | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function parseUltralyticsMetadata(props: Readonly<Record<string, string>>): UltralyticsMetadata {
  const warnings: string[] = [];
  const raw = (key: string): PyValue | undefined => {
    const text = props[key];
    return text === undefined ? undefined : parse(key, text, warnings);
  };

  let names: string[] | undefined;
  if (props.names !== undefined) {
    const v = raw('names');
    names = namesFromValue(v);
    if (names === undefined && v !== undefined)
      warnings.push('metadata names ignored: not a dict of id → name or a list of names');
  }

  let imgsz: { width: number; height: number } | undefined;
  if (props.imgsz !== undefined) {
    const v = raw('imgsz');
    imgsz = imgszFromValue(v);
    if (imgsz === undefined && v !== undefined) warnings.push(`metadata imgsz ignored: ${props.imgsz}`);
  }

  const strideValue = raw('stride');
  const stride = typeof strideValue === 'number' && Number.isInteger(strideValue) && strideValue > 0 ? strideValue : undefined;

  const args = raw('args');
  const nmsArg = args instanceof Map ? truthy(args.get('nms')) : undefined;
  const end2end = truthy(raw('end2end')) ?? (nmsArg === true ? true : undefined);

  const task = props.task?.trim();
  return { names, imgsz, stride, task: task === '' ? undefined : task, end2end, warnings };
}
