// Shelf scene → JPEG bytes. The scene is drawn as one SVG (shelf space inside a group carrying the
// camera's affine matrix, lighting overlays in image space), rasterized by sharp/librsvg, then
// blurred, tinted for colour temperature, given Gaussian sensor noise and JPEG-encoded. Everything
// random comes from the scene, so one scene always renders to the same bytes.
import sharp from 'sharp';
import {
  seededRandom,
  type LabelMark,
  type Occluder,
  type PriceTag,
  type ShelfLayout,
  type ShelfRow,
  type ShelfScene,
  type SkuTemplate,
} from './shelf-scene.generator.ts';

const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

function skuSymbol(sku: SkuTemplate): string {
  const { w, h } = sku;
  const parts: string[] = [];
  // Soft drop shadow on the back panel, offset to the right.
  parts.push(
    `<rect x="${f1(w * 0.06 + 1.5)}" y="${f1(h * 0.03 + 1)}" width="${f1(w)}" height="${f1(h * 0.97)}" fill="#000" opacity="0.2"/>`,
  );
  let label = { x: 0, y: 0, w, h };
  switch (sku.shape) {
    case 'box': {
      parts.push(`<rect width="${f1(w)}" height="${f1(h)}" rx="${f1(Math.min(2, w * 0.04))}" fill="${sku.body}"/>`);
      parts.push(`<rect x="${f1(w * 0.86)}" width="${f1(w * 0.14)}" height="${f1(h)}" fill="#000" opacity="0.14"/>`);
      parts.push(`<rect width="${f1(w)}" height="${f1(Math.max(1, h * 0.035))}" fill="#fff" opacity="0.3"/>`);
      label = { x: w * 0.05, y: h * sku.labelBand[0], w: w * 0.8, h: h * (sku.labelBand[1] - sku.labelBand[0]) };
      break;
    }
    case 'bottle': {
      const nw = w * 0.38;
      const cap = h * 0.08;
      const l = (w - nw) / 2;
      const r = (w + nw) / 2;
      const rr = Math.min(w * 0.15, 4);
      const d = `M${f1(l)},${f1(cap)} L${f1(r)},${f1(cap)} L${f1(r)},${f1(h * 0.22)} Q${f1(w)},${f1(h * 0.27)} ${f1(w)},${f1(h * 0.4)} L${f1(w)},${f1(h - rr)} Q${f1(w)},${f1(h)} ${f1(w - rr)},${f1(h)} L${f1(rr)},${f1(h)} Q0,${f1(h)} 0,${f1(h - rr)} L0,${f1(h * 0.4)} Q0,${f1(h * 0.27)} ${f1(l)},${f1(h * 0.22)} Z`;
      parts.push(`<path d="${d}" fill="${sku.body}" opacity="${sku.translucent ? 0.55 : 1}"/>`);
      if (sku.translucent) parts.push(`<path d="${d}" fill="none" stroke="#ffffff" stroke-width="1" opacity="0.5"/>`);
      parts.push(`<rect x="${f1(l - nw * 0.06)}" width="${f1(nw * 1.12)}" height="${f1(cap)}" rx="1" fill="${sku.accent}"/>`);
      parts.push(
        `<rect x="${f1(w * 0.15)}" y="${f1(h * 0.3)}" width="${f1(w * 0.12)}" height="${f1(h * 0.62)}" fill="#fff" opacity="0.3"/>`,
      );
      label = { x: 0, y: h * sku.labelBand[0], w, h: h * (sku.labelBand[1] - sku.labelBand[0]) };
      parts.push(`<rect x="0" y="${f1(label.y)}" width="${f1(w)}" height="${f1(label.h)}" fill="${sku.accent}"/>`);
      break;
    }
    case 'can': {
      parts.push(`<rect width="${f1(w)}" height="${f1(h)}" rx="${f1(w * 0.1)}" fill="${sku.body}"/>`);
      parts.push(`<rect width="${f1(w)}" height="${f1(h)}" rx="${f1(w * 0.1)}" fill="url(#cyl)"/>`);
      parts.push(`<rect width="${f1(w)}" height="${f1(h * 0.06)}" rx="${f1(w * 0.1)}" fill="${sku.accent}"/>`);
      parts.push(
        `<rect y="${f1(h * 0.95)}" width="${f1(w)}" height="${f1(h * 0.05)}" rx="${f1(w * 0.1)}" fill="${sku.accent}"/>`,
      );
      label = { x: w * 0.08, y: h * sku.labelBand[0], w: w * 0.84, h: h * (sku.labelBand[1] - sku.labelBand[0]) };
      break;
    }
    case 'pouch': {
      const teeth = Math.max(4, Math.round(w / 6));
      let d = `M${f1(w * 0.02)},${f1(h * 0.08)}`;
      for (let i = 1; i <= teeth; i++)
        d += ` L${f1((w * (i - 0.5)) / teeth)},${f1(h * 0.02)} L${f1((w * i) / teeth - (i === teeth ? w * 0.02 : 0))},${f1(h * 0.08)}`;
      d += ` Q${f1(w * 1.02)},${f1(h * 0.5)} ${f1(w * 0.97)},${f1(h)} L${f1(w * 0.03)},${f1(h)} Q${f1(-w * 0.02)},${f1(h * 0.5)} ${f1(w * 0.02)},${f1(h * 0.08)} Z`;
      parts.push(`<path d="${d}" fill="${sku.body}"/>`);
      parts.push(
        `<rect x="${f1(w * 0.03)}" y="${f1(h * 0.06)}" width="${f1(w * 0.94)}" height="${f1(h * 0.07)}" fill="#000" opacity="0.18"/>`,
      );
      parts.push(`<path d="${d}" fill="url(#cyl)" opacity="0.6"/>`);
      label = { x: w * 0.08, y: h * sku.labelBand[0], w: w * 0.84, h: h * (sku.labelBand[1] - sku.labelBand[0]) };
      break;
    }
    case 'jar': {
      parts.push(`<rect y="${f1(h * 0.17)}" width="${f1(w)}" height="${f1(h * 0.83)}" rx="${f1(w * 0.12)}" fill="${sku.body}"/>`);
      parts.push(`<rect y="${f1(h * 0.17)}" width="${f1(w)}" height="${f1(h * 0.83)}" rx="${f1(w * 0.12)}" fill="url(#cyl)"/>`);
      parts.push(`<rect x="${f1(w * 0.06)}" width="${f1(w * 0.88)}" height="${f1(h * 0.2)}" rx="1.5" fill="${sku.accent}"/>`);
      parts.push(`<rect x="${f1(w * 0.06)}" y="${f1(h * 0.08)}" width="${f1(w * 0.88)}" height="1" fill="#000" opacity="0.25"/>`);
      label = { x: w * 0.04, y: h * sku.labelBand[0], w: w * 0.92, h: h * (sku.labelBand[1] - sku.labelBand[0]) };
      break;
    }
  }
  for (const m of sku.marks) parts.push(markSvg(m, label));
  return `<g id="sku${sku.id}">${parts.join('')}</g>`;
}

function markSvg(m: LabelMark, a: { x: number; y: number; w: number; h: number }): string {
  switch (m.kind) {
    case 'rect':
      return `<rect x="${f1(a.x + m.x * a.w)}" y="${f1(a.y + m.y * a.h)}" width="${f1(m.w * a.w)}" height="${f1(Math.max(0.8, m.h * a.h))}" rx="${f1((m.rx ?? 0) * a.w)}" fill="${m.color}"/>`;
    case 'ellipse': {
      const rx = Math.min(m.rx, m.cx, 1 - m.cx) * a.w;
      const ry = Math.min(m.ry, m.cy, 1 - m.cy) * a.h;
      return `<ellipse cx="${f1(a.x + m.cx * a.w)}" cy="${f1(a.y + m.cy * a.h)}" rx="${f1(rx)}" ry="${f1(ry)}" fill="${m.color}"/>`;
    }
    case 'stripe': {
      const sk = m.skew * a.h * 0.3;
      const y0 = a.y + Math.min(m.y, 1 - m.h) * a.h;
      const hh = m.h * a.h;
      const lo = Math.max(a.y, Math.min(y0, y0 + sk));
      const clamp = (v: number) => Math.max(lo, Math.min(a.y + a.h, v));
      return `<polygon points="${f1(a.x)},${f1(clamp(y0))} ${f1(a.x + a.w)},${f1(clamp(y0 + sk))} ${f1(a.x + a.w)},${f1(clamp(y0 + sk + hh))} ${f1(a.x)},${f1(clamp(y0 + hh))}" fill="${m.color}"/>`;
    }
  }
}

function tagSvg(t: PriceTag): string {
  const w = t.x2 - t.x1;
  const h = t.y2 - t.y1;
  return (
    `<rect x="${f1(t.x1)}" y="${f1(t.y1)}" width="${f1(w)}" height="${f1(h)}" fill="${t.paper}"/>` +
    `<rect x="${f1(t.x1)}" y="${f1(t.y1)}" width="${f1(w)}" height="${f1(h * 0.18)}" fill="${t.accent}"/>` +
    `<rect x="${f1(t.x1 + w * 0.5)}" y="${f1(t.y1 + h * 0.3)}" width="${f1(w * 0.42)}" height="${f1(h * 0.5)}" fill="${t.ink}"/>` +
    `<rect x="${f1(t.x1 + w * 0.08)}" y="${f1(t.y1 + h * 0.35)}" width="${f1(w * 0.33)}" height="${f1(Math.max(0.8, h * 0.1))}" fill="${t.ink}"/>` +
    `<rect x="${f1(t.x1 + w * 0.08)}" y="${f1(t.y1 + h * 0.6)}" width="${f1(w * 0.25)}" height="${f1(Math.max(0.8, h * 0.1))}" fill="${t.ink}"/>`
  );
}

function rowSvg(row: ShelfRow, layout: ShelfLayout, left: number, right: number): string {
  const a = layout.appearance;
  const parts: string[] = [];
  const clear = row.railY - row.top;
  if (row.deckH > 0.5)
    parts.push(
      `<rect x="${f1(left)}" y="${f1(row.railY - row.deckH)}" width="${f1(right - left)}" height="${f1(row.deckH)}" fill="${a.deck}"/>`,
    );
  for (const slot of row.slots) {
    if (!slot.filled) continue;
    for (const it of slot.items) parts.push(`<use href="#sku${it.sku}" transform="translate(${f1(it.x1)},${f1(it.y1)})"/>`);
  }
  // The shelf above shades the top of the row, products included.
  parts.push(
    `<rect x="${f1(left)}" y="${f1(row.top)}" width="${f1(right - left)}" height="${f1(clear * 0.35)}" fill="url(#topShade)"/>`,
  );
  parts.push(
    `<rect x="${f1(left)}" y="${f1(row.railY)}" width="${f1(right - left)}" height="${f1(row.railH)}" fill="${a.rail}"/>`,
  );
  parts.push(`<rect x="${f1(left)}" y="${f1(row.railY)}" width="${f1(right - left)}" height="1.2" fill="#fff" opacity="0.45"/>`);
  parts.push(
    `<rect x="${f1(left)}" y="${f1(row.railY + row.railH - 1.5)}" width="${f1(right - left)}" height="1.5" fill="${a.railShade}" opacity="0.7"/>`,
  );
  for (const t of row.tags) parts.push(tagSvg(t));
  return parts.join('');
}

function occluderSvg(o: Occluder): string {
  switch (o.kind) {
    case 'arm': {
      const mx = o.x1 + (o.x2 - o.x1) * 0.55;
      const my = o.y1 + (o.y2 - o.y1) * 0.55;
      return (
        `<line x1="${f1(o.x1)}" y1="${f1(o.y1)}" x2="${f1(mx)}" y2="${f1(my)}" stroke="${o.sleeve}" stroke-width="${f1(o.r * 2.1)}" stroke-linecap="round"/>` +
        `<line x1="${f1(mx)}" y1="${f1(my)}" x2="${f1(o.x2)}" y2="${f1(o.y2)}" stroke="${o.skin}" stroke-width="${f1(o.r * 1.8)}" stroke-linecap="round"/>` +
        `<ellipse cx="${f1(o.x2)}" cy="${f1(o.y2)}" rx="${f1(o.r * 1.3)}" ry="${f1(o.r * 1.15)}" fill="${o.skin}"/>` +
        `<line x1="${f1(o.x1)}" y1="${f1(o.y1 - o.r * 0.4)}" x2="${f1(o.x2)}" y2="${f1(o.y2 - o.r * 0.4)}" stroke="#fff" stroke-width="${f1(o.r * 0.3)}" opacity="0.15" stroke-linecap="round"/>`
      );
    }
    case 'blob':
      return `<ellipse cx="${f1(o.cx)}" cy="${f1(o.cy)}" rx="${f1(o.rx)}" ry="${f1(o.ry)}" fill="${o.color}" filter="url(#soft)"/>`;
    case 'strip': {
      const h = o.y2 - o.y1;
      let marks = '';
      for (let x = o.x1 + h * 0.4; x < o.x2 - h * 1.2; x += h * 1.6)
        marks += `<rect x="${f1(x)}" y="${f1(o.y1 + h * 0.35)}" width="${f1(h * 1.1)}" height="${f1(h * 0.3)}" fill="${o.ink}"/>`;
      return `<rect x="${f1(o.x1)}" y="${f1(o.y1)}" width="${f1(o.x2 - o.x1)}" height="${f1(h)}" fill="${o.color}"/>${marks}`;
    }
  }
}

/** The scene as an SVG document (pure; exported for tests and debugging). */
export function sceneToSvg(scene: ShelfScene): string {
  const { width: W, height: H, appearance: a, unit, lighting } = scene;
  const m = scene.camera.matrix;
  const pitch = scene.rows.length > 0 ? scene.rows[0]!.railY + scene.rows[0]!.railH - scene.rows[0]!.top : H / 4;
  const defs: string[] = [
    // Cylinder shading for cans, jars and pouches: dark edges, a highlight left of centre.
    `<linearGradient id="cyl" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#000" stop-opacity="0.35"/><stop offset="0.28" stop-color="#fff" stop-opacity="0.28"/><stop offset="0.5" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.4"/></linearGradient>`,
    `<linearGradient id="topShade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#000" stop-opacity="0.45"/><stop offset="1" stop-color="#000" stop-opacity="0"/></linearGradient>`,
    `<linearGradient id="falloff" x1="0" y1="0" x2="0" y2="1"><stop offset="0.35" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${f1(lighting.falloff)}"/></linearGradient>`,
    `<filter id="soft" x="-30%" y="-30%" width="160%" height="160%"><feGaussianBlur stdDeviation="${f1(Math.max(W, H) * 0.02)}"/></filter>`,
  ];
  const p = Math.max(6, pitch * 0.08);
  if (a.backPattern === 'pegboard')
    defs.push(
      `<pattern id="back" width="${f1(p)}" height="${f1(p)}" patternUnits="userSpaceOnUse"><circle cx="${f1(p / 2)}" cy="${f1(p / 2)}" r="${f1(Math.max(0.8, p * 0.12))}" fill="#000" opacity="0.35"/></pattern>`,
    );
  if (a.backPattern === 'slats')
    defs.push(
      `<pattern id="back" width="${f1(p * 4)}" height="${f1(p * 1.6)}" patternUnits="userSpaceOnUse"><rect width="${f1(p * 4)}" height="1.2" fill="#000" opacity="0.25"/></pattern>`,
    );
  lighting.spots.forEach((s, i) =>
    defs.push(
      `<radialGradient id="spot${i}" cx="${f1(s.cx * W)}" cy="${f1(s.cy * H)}" r="${f1(s.r * Math.max(W, H))}" gradientUnits="userSpaceOnUse"><stop offset="0" stop-color="#fff" stop-opacity="${s.strength.toFixed(3)}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>`,
    ),
  );
  const used = new Set<number>();
  for (const row of scene.rows) for (const s of row.slots) if (s.filled) used.add(s.sku);
  for (const sku of scene.skus) if (used.has(sku.id)) defs.push(skuSymbol(sku));

  const body: string[] = [];
  body.push(`<rect x="${-W}" y="${-H}" width="${3 * W}" height="${3 * H}" fill="${a.wall}"/>`);
  body.push(`<rect x="${-W}" y="${f1(unit.y2)}" width="${3 * W}" height="${2 * H}" fill="${a.floor}"/>`);
  const uw = pitch * 0.09;
  // Side panels and top cap of the unit, then the back panel.
  body.push(
    `<rect x="${f1(unit.x1 - uw)}" y="${f1(unit.y1 - uw)}" width="${f1(unit.x2 - unit.x1 + 2 * uw)}" height="${f1(unit.y2 - unit.y1 + uw)}" fill="${a.upright}"/>`,
  );
  body.push(
    `<rect x="${f1(unit.x1)}" y="${f1(unit.y1)}" width="${f1(unit.x2 - unit.x1)}" height="${f1(unit.y2 - unit.y1)}" fill="${a.back}"/>`,
  );
  if (a.backPattern !== 'plain')
    body.push(
      `<rect x="${f1(unit.x1)}" y="${f1(unit.y1)}" width="${f1(unit.x2 - unit.x1)}" height="${f1(unit.y2 - unit.y1)}" fill="url(#back)"/>`,
    );
  const first = scene.rows[0];
  if (first !== undefined)
    body.push(
      `<rect x="${f1(unit.x1)}" y="${f1(first.top - first.railH * 1.2)}" width="${f1(unit.x2 - unit.x1)}" height="${f1(first.railH * 1.2)}" fill="${a.rail}"/>`,
    );
  for (const row of scene.rows) body.push(rowSvg(row, scene, unit.x1, unit.x2));
  for (const u of scene.uprights)
    body.push(
      `<rect x="${f1(u.x1)}" y="${f1(unit.y1)}" width="${f1(u.x2 - u.x1)}" height="${f1(unit.y2 - unit.y1)}" fill="${a.upright}"/>`,
    );
  for (const o of scene.occluders) body.push(occluderSvg(o));

  const overlay: string[] = [];
  lighting.spots.forEach((_, i) => overlay.push(`<rect width="${W}" height="${H}" fill="url(#spot${i})"/>`));
  if (lighting.falloff > 0.01) overlay.push(`<rect width="${W}" height="${H}" fill="url(#falloff)"/>`);

  const matrix = m.map((v) => v.toFixed(5)).join(' ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">` +
    `<defs>${defs.join('')}</defs><g transform="matrix(${matrix})">${body.join('')}</g>${overlay.join('')}</svg>`
  );
}

/** Renders a scene to JPEG bytes; deterministic for a given scene. */
export async function renderShelfScene(scene: ShelfScene): Promise<Buffer> {
  const { width, height } = scene;
  const cam = scene.camera;
  let img = sharp(Buffer.from(sceneToSvg(scene)), { density: 72 }).removeAlpha();
  if (cam.blurSigma >= 0.3) img = img.blur(cam.blurSigma);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`rasterized ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  applySensor(data, scene);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: cam.jpegQuality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/** Colour temperature, exposure and Gaussian sensor noise, in place on RGB bytes. */
function applySensor(data: Buffer, scene: ShelfScene): void {
  const { gain, tint } = scene.lighting;
  const k = [gain * tint[0], gain * tint[1], gain * tint[2]] as const;
  const sigma = scene.camera.noiseSigma;
  const rnd = seededRandom(scene.noiseSeed);
  let spare = 0;
  let haveSpare = false;
  const gauss = () => {
    if (haveSpare) {
      haveSpare = false;
      return spare;
    }
    // Box–Muller; 1 - u keeps the log argument in (0, 1].
    const u = 1 - rnd();
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    haveSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < data.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = data[i + c]! * k[c]! + (sigma > 0 ? gauss() * sigma : 0);
      data[i + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}
