// Annotated snapshots: the frame with detector boxes and zone outlines drawn on it, stored in a
// bounded JetStream Object Store bucket (max bytes + TTL), one object per camera that each new
// snapshot replaces, so the bucket holds (cameras × one JPEG) whatever the uptime.
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import type { ZoneState } from '@shelfsense/contracts';
import sharp from 'sharp';
import { detectionsSvg, type DrawableDetection } from '../detector/draw-detections.ts';
import type { NormalizedPoint } from '../shelf/zone-geometry.ts';

export interface SnapshotSink {
  put(key: string, jpeg: Uint8Array): Promise<void>;
}

export interface SnapshotBucketOptions {
  readonly bucket: string;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly replicas: number;
}

/** Creates (or opens) the bucket. An existing bucket keeps its own limits. */
export async function openSnapshotBucket(nc: NatsConnection, opts: SnapshotBucketOptions): Promise<SnapshotSink> {
  const os = await new Objm(nc).create(opts.bucket, {
    description: 'Latest annotated shelf snapshot per camera (ShelfSense edge agent)',
    max_bytes: opts.maxBytes,
    ttl: nanos(opts.ttlMs),
    replicas: opts.replicas,
    storage: 'file',
  });
  return {
    async put(key, jpeg) {
      // putBlob replaces an object of the same name and purges its old chunks.
      await os.putBlob({ name: key, options: { max_chunk_size: 128 * 1024 } }, jpeg);
    },
  };
}

/** Object name of a camera's snapshot. */
export function snapshotKey(storeId: string, cameraId: string): string {
  return `${storeId}/${cameraId}.jpg`;
}

export interface ZoneOverlay {
  readonly polygon: readonly NormalizedPoint[];
  readonly label: string;
  readonly state: ZoneState;
}

const STATE_COLOR: Readonly<Record<ZoneState, string>> = { ok: '#2ecc40', low: '#ffb000', empty: '#ff2a2a' };

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Zone outlines coloured by state, with a `sku · state · fill` tag (pure). */
export function zonesSvg(width: number, height: number, zones: readonly ZoneOverlay[]): string {
  const lw = Math.max(2, Math.round((width + height) / 600));
  const font = Math.max(10, lw * 5);
  const parts = zones.map((z) => {
    const pts = z.polygon.map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`).join(' ');
    const [x0, y0] = z.polygon[0] ?? [0, 0];
    const color = STATE_COLOR[z.state];
    return (
      `<polygon points="${pts}" fill="${color}" fill-opacity="0.12" stroke="${color}" stroke-width="${lw}" stroke-dasharray="${lw * 3},${lw * 2}"/>` +
      `<text x="${(x0 * width + lw * 2).toFixed(1)}" y="${(y0 * height + font + lw).toFixed(1)}" font-family="sans-serif" font-size="${font}" fill="${color}" stroke="#000" stroke-width="0.6">${escapeXml(z.label)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** The frame with boxes and zones drawn on it, as JPEG. */
export async function annotateFrame(
  frame: Buffer,
  size: { readonly width: number; readonly height: number },
  detections: readonly DrawableDetection[],
  zones: readonly ZoneOverlay[],
  quality: number,
): Promise<Buffer> {
  return sharp(frame)
    .autoOrient()
    .composite([
      { input: Buffer.from(zonesSvg(size.width, size.height, zones)), top: 0, left: 0 },
      { input: Buffer.from(detectionsSvg(size.width, size.height, detections)), top: 0, left: 0 },
    ])
    .jpeg({ quality })
    .toBuffer();
}
