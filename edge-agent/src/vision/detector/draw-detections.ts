import type { Sharp } from 'sharp';
import { openImage, type DetectorImage } from './letterbox.ts';

export interface DrawableDetection {
  readonly class: string;
  readonly classId: number;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

// Ultralytics' default palette, so annotated images look like `yolo predict` output.
const PALETTE = [
  '#FF3838',
  '#FF9D97',
  '#FF701F',
  '#FFB21D',
  '#CFD231',
  '#48F90A',
  '#92CC17',
  '#3DDB86',
  '#1A9334',
  '#00D4BB',
  '#2C99A8',
  '#00C2FF',
  '#344593',
  '#6473FF',
  '#0018EC',
  '#8438FF',
  '#520085',
  '#CB38FF',
  '#FF95C8',
  '#FF37C7',
] as const;

export function classColor(classId: number): string {
  return PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const f1 = (v: number) => Math.round(v * 10) / 10;

/** An SVG the size of the image with one outlined box and a "class 0.87" tag per detection. */
export function detectionsSvg(width: number, height: number, detections: readonly DrawableDetection[]): string {
  const lw = Math.max(Math.round(((width + height) / 2) * 0.003), 2);
  const fontSize = Math.max(lw * 5, 10);
  const tagH = Math.round(fontSize * 1.3);
  const parts: string[] = [];
  for (const d of detections) {
    const [x1, y1, x2, y2] = d.box;
    const color = classColor(d.classId);
    const label = `${d.class} ${d.score.toFixed(2)}`;
    // No font metrics without a renderer at hand; 0.6 em per character fits sans-serif closely enough.
    const tagW = Math.round(label.length * fontSize * 0.6 + lw * 2);
    const tagY = y1 - tagH >= 0 ? y1 - tagH : y1; // above the box unless it would leave the image
    parts.push(
      `<rect x="${f1(x1)}" y="${f1(y1)}" width="${f1(x2 - x1)}" height="${f1(y2 - y1)}" fill="none" stroke="${color}" stroke-width="${lw}"/>`,
      `<rect x="${f1(x1)}" y="${f1(tagY)}" width="${tagW}" height="${tagH}" fill="${color}"/>`,
      `<text x="${f1(x1 + lw)}" y="${f1(tagY + tagH - fontSize * 0.3)}" font-family="sans-serif" font-size="${fontSize}" fill="#FFFFFF">${escapeXml(label)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/**
 * The image (EXIF-oriented, so it matches the detector's source pixels) with the detections drawn
 * on it; encode it with `.toFile()`/`.jpeg()` etc.
 */
export async function drawDetections(image: DetectorImage, detections: readonly DrawableDetection[]): Promise<Sharp> {
  const base = openImage(image);
  const { autoOrient } = await openImage(image).metadata();
  const svg = Buffer.from(detectionsSvg(autoOrient.width, autoOrient.height, detections));
  return base.composite([{ input: svg, top: 0, left: 0 }]);
}
