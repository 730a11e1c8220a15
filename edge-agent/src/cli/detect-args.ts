import { parseArgs } from 'node:util';
import { z } from 'zod';

export const DETECT_USAGE = `Usage: npm run -w edge-agent detect -- --model <file.onnx> --image <file|folder> [options]

Runs a YOLO detection model (any Ultralytics ONNX export: YOLOv5, YOLOv8/11, end-to-end; fp32, fp16
or int8; fixed or dynamic input) on an image or on every .jpg/.jpeg/.png/.webp in a folder.

  --model, -m <file>   ONNX model
  --image, -i <path>   image file or folder
  --conf <0..1>        minimum score (default 0.25)
  --iou <0..1>         NMS IoU threshold (default 0.45)
  --max-det <n>        most detections per image (default 300)
  --imgsz <n|h,w>      input size for dynamic-shape models (default: model metadata, else 640)
  --names <a,b,...>    class names by id, instead of the model's metadata
  --classes <list>     keep only these classes (ids or names, comma separated)
  --threads <n>        onnxruntime intra-op threads (default: one per core)
  --json               one JSON line per image on stdout; summary on stderr
  --out <dir>          write annotated copies of the images here
  --help, -h           this text

Exit codes: 0 ok, 1 an image or the model failed, 2 bad arguments.`;

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  image: { type: 'string', short: 'i' },
  conf: { type: 'string' },
  iou: { type: 'string' },
  'max-det': { type: 'string' },
  imgsz: { type: 'string' },
  names: { type: 'string' },
  classes: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

// Only the type error gets our wording; range errors keep zod's ("Too big: expected number to be <=1").
const notANumber = (message: string) => (iss: { code: string }) => (iss.code === 'invalid_type' ? message : undefined);

const number = (rules: (n: z.ZodNumber) => z.ZodNumber) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .transform(Number)
    .pipe(rules(z.number({ error: notANumber('must be a number') })));

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.string().min(1, 'has an empty entry')).min(1));

const ArgsSchema = z.object({
  model: z.string({ error: 'is required' }).min(1, 'is required'),
  image: z.string({ error: 'is required' }).min(1, 'is required'),
  conf: number((n) => n.min(0).max(1)).default(0.25),
  iou: number((n) => n.min(0).max(1)).default(0.45),
  'max-det': number((n) => n.int().min(1).max(100_000)).default(300),
  imgsz: z
    .string()
    .transform((s) => s.split(/[,x]/).map((x) => Number(x.trim())))
    .pipe(
      z
        .array(
          z
            .number({ error: notANumber('must be N or H,W') })
            .int('must be whole numbers')
            .min(32, 'must be at least 32')
            .max(8192, 'must be at most 8192'),
        )
        .min(1)
        .max(2, 'is N or H,W'),
    )
    .transform((v): number | [number, number] => (v.length === 1 ? v[0]! : [v[0]!, v[1]!]))
    .optional(),
  names: list.optional(),
  classes: list.optional(),
  threads: number((n) => n.int().min(1).max(256)).optional(),
  json: z.boolean(),
  out: z.string().min(1, 'must not be empty').optional(),
  help: z.boolean(),
});

export interface DetectArgs {
  readonly model: string;
  readonly image: string;
  readonly conf: number;
  readonly iou: number;
  readonly maxDet: number;
  readonly imgsz: number | readonly [number, number] | undefined;
  readonly names: readonly string[] | undefined;
  readonly classes: readonly string[] | undefined;
  readonly threads: number | undefined;
  readonly json: boolean;
  readonly out: string | undefined;
}

export type ParsedDetectArgs =
  | { readonly kind: 'run'; readonly args: DetectArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'invalid'; readonly errors: readonly string[] };

/** argv (without node and the script) → validated options, or every problem at once. */
export function parseDetectArgs(argv: readonly string[]): ParsedDetectArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // parseArgs errors are TypeErrors with a readable message ("Unknown option '--foo'...").
    return { kind: 'invalid', errors: [(err as Error).message] };
  }
  if (values.help === true) return { kind: 'help' };
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    return { kind: 'invalid', errors: parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`) };
  }
  const v = parsed.data;
  return {
    kind: 'run',
    args: {
      model: v.model,
      image: v.image,
      conf: v.conf,
      iou: v.iou,
      maxDet: v['max-det'],
      imgsz: v.imgsz,
      names: v.names,
      classes: v.classes,
      threads: v.threads,
      json: v.json,
      out: v.out,
    },
  };
}
