// SMS length rules (3GPP TS 23.038 / 23.040): text that fits the GSM-7 alphabet costs one septet
// per character (two for the extension table: ^ { } [ ] ~ \ | € and form feed), 160 in a single
// SMS or 153 per part of a concatenated one (the rest carries the reassembly header). Anything
// else goes as UCS-2: 70 UTF-16 units single, 67 per part, and a surrogate pair (emoji) cannot be
// split across parts. Carriers bill per part, so alerts are capped at a few parts.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

const LIMITS = {
  'GSM-7': { single: 160, perPart: 153, ellipsis: '...' },
  'UCS-2': { single: 70, perPart: 67, ellipsis: '…' },
} as const satisfies Record<SmsEncoding, { single: number; perPart: number; ellipsis: string }>;

export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return 'UCS-2';
  return 'GSM-7';
}

/** Cost of each character (by code point) in the encoding's units. */
function costs(text: string, encoding: SmsEncoding): number[] {
  return Array.from(text, (ch) => (encoding === 'GSM-7' ? (extension.has(ch) ? 2 : 1) : ch.length));
}

/** Parts a text needs: one if it fits a single SMS, else greedily packed parts (no character split). */
export function smsSegments(text: string): { encoding: SmsEncoding; segments: number; units: number } {
  const encoding = smsEncoding(text);
  const c = costs(text, encoding);
  const units = c.reduce((a, b) => a + b, 0);
  const { single, perPart } = LIMITS[encoding];
  if (units <= single) return { encoding, segments: units === 0 ? 0 : 1, units };
  let segments = 1;
  let used = 0;
  for (const cost of c) {
    if (used + cost > perPart) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, units };
}

/**
 * `text` cut to at most `maxSegments` parts, ending in an ellipsis when cut ("..." in GSM-7, "…"
 * in UCS-2, where it is one unit). Cuts between code points only. Dropping the one non-GSM
 * character at the end can make the rest GSM-7, which holds more; the search accounts for that.
 */
export function truncateSms(
  text: string,
  maxSegments: number,
): { text: string; truncated: boolean; encoding: SmsEncoding; segments: number } {
  const whole = smsSegments(text);
  if (whole.segments <= maxSegments) return { text, truncated: false, encoding: whole.encoding, segments: whole.segments };
  const chars = Array.from(text);
  const candidate = (n: number) => {
    const prefix = chars.slice(0, n).join('').trimEnd();
    return prefix + LIMITS[smsEncoding(prefix)].ellipsis;
  };
  // Fitting is monotone in the prefix length (units only grow, and the encoding only moves from
  // GSM-7 to UCS-2), so binary search finds the longest prefix that fits.
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (smsSegments(candidate(mid)).segments <= maxSegments) lo = mid;
    else hi = mid - 1;
  }
  const out = candidate(lo);
  const s = smsSegments(out);
  return { text: out, truncated: true, encoding: s.encoding, segments: s.segments };
}

/**
 * A list (a head line, then one line per item) cut to at most `maxSegments` parts at a line
 * boundary: the head and as many whole items as fit, then `more(omitted)` (e.g. "+3 more") as the
 * last line, so a reader knows how many were left out instead of meeting a line cut mid-word.
 * `total` is how many items there are (more than `items` when the list was already shortened).
 * When not even the head and the count fit, the plain text is cut as `truncateSms` does.
 */
export function truncateSmsList(
  head: string,
  items: readonly string[],
  total: number,
  maxSegments: number,
  more: (omitted: number) => string,
): { text: string; truncated: boolean; encoding: SmsEncoding; segments: number } {
  const whole = [head, ...items].join('\n');
  if (total <= items.length && smsSegments(whole).segments <= maxSegments) return truncateSms(whole, maxSegments);
  // From the top: the first that fits keeps the most items.
  for (let k = Math.min(items.length, total - 1); k >= 0; k--) {
    const text = [head, ...items.slice(0, k), more(total - k)].join('\n');
    const s = smsSegments(text);
    if (s.segments <= maxSegments) return { text, truncated: true, encoding: s.encoding, segments: s.segments };
  }
  return truncateSms(whole, maxSegments);
}
