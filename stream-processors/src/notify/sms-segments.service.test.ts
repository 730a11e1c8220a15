import { describe, expect, it } from 'vitest';
import { smsEncoding, smsSegments, truncateSms, truncateSmsList } from './sms-segments.service.ts';

describe('smsSegments', () => {
  it('counts GSM-7 text as 160 single / 153 per part', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('charges two septets for extension characters and never splits them across parts', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('€'.repeat(81)).segments).toBe(2);
    // 152 plain septets leave one septet in part 1: the escape pair moves to part 2 whole.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(151)}`).segments).toBe(2);
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
  });

  it('switches to UCS-2 (70 / 67) for any character outside GSM-7 and counts emoji as two units', () => {
    expect(smsEncoding('Shelf empty: दूध')).toBe('UCS-2');
    expect(smsSegments('é'.repeat(200)).encoding).toBe('GSM-7');
    expect(smsSegments('ç'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(smsSegments('ç'.repeat(71)).segments).toBe(2);
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    // 33 pairs = 66 units, the 34th pair does not fit in 67 and starts part 2.
    expect(smsSegments('😀'.repeat(36)).segments).toBe(2);
    expect(smsSegments(`${'ç'.repeat(66)}😀${'ç'.repeat(67)}`).segments).toBe(3);
  });
});

describe('truncateSms', () => {
  it('leaves text that fits alone', () => {
    expect(truncateSms('Zone z1 empty', 3)).toEqual({ text: 'Zone z1 empty', truncated: false, encoding: 'GSM-7', segments: 1 });
  });

  it('cuts GSM-7 text to exactly 3 parts with "..."', () => {
    const r = truncateSms('x'.repeat(1000), 3);
    expect(r.text).toBe(`${'x'.repeat(459 - 3)}...`);
    expect(r).toMatchObject({ truncated: true, encoding: 'GSM-7', segments: 3 });
  });

  it('cuts UCS-2 text to 3 × 67 units with a one-unit "…" and never halves an emoji', () => {
    const r = truncateSms('ç'.repeat(500), 3);
    expect(r.text).toBe(`${'ç'.repeat(200)}…`);
    expect(r.segments).toBe(3);
    const e = truncateSms('😀'.repeat(200), 2);
    expect(e.text.isWellFormed()).toBe(true);
    expect(e.segments).toBe(2);
    // 2 parts × 67 units: 33 emoji per part (66 units), the ellipsis fits in what is left.
    expect(e.text).toBe(`${'😀'.repeat(66)}…`);
  });

  it('goes back to GSM-7 when the cut drops the only non-GSM character', () => {
    const r = truncateSms(`${'a'.repeat(600)}ç`, 3);
    expect(r.encoding).toBe('GSM-7');
    expect(r.text).toBe(`${'a'.repeat(456)}...`);
  });

  it('drops trailing spaces before the ellipsis', () => {
    const r = truncateSms(`${'a'.repeat(455)}     ${'b'.repeat(50)}`, 3);
    expect(r.text).toBe(`${'a'.repeat(455)}...`);
  });
});

describe('truncateSmsList', () => {
  const more = (k: number) => `+${k} more`;
  it('keeps a list that fits as it is', () => {
    expect(truncateSmsList('3 alerts', ['- a', '- b', '- c'], 3, 1, more)).toMatchObject({
      text: '3 alerts\n- a\n- b\n- c',
      truncated: false,
    });
  });

  it('drops whole lines from the end and says how many were left out', () => {
    const items = Array.from({ length: 20 }, (_, i) => `- zone:cam-1/z${i}: shelf empty for 10 min`);
    const r = truncateSmsList('[WARNING] 20 alerts firing - Shelf empty (store s1)', items, 20, 2, more);
    expect(r.truncated).toBe(true);
    expect(r.segments).toBeLessThanOrEqual(2);
    const lines = r.text.split('\n');
    const kept = lines.slice(1, -1);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(items.slice(0, kept.length));
    expect(lines.at(-1)).toBe(`+${20 - kept.length} more`);
    // One more line would not have fitted.
    const oneMore = [lines[0], ...items.slice(0, kept.length + 1), more(20 - kept.length - 1)].join('\n');
    expect(smsSegments(oneMore).segments).toBeGreaterThan(2);
  });

  it('counts items that were never in the list', () => {
    expect(truncateSmsList('600 alerts', ['- a'], 600, 1, more).text).toBe('600 alerts\n- a\n+599 more');
  });

  it('falls back to a plain cut when not even the head fits', () => {
    const r = truncateSmsList('h'.repeat(400), ['- a'], 2, 1, more);
    expect(r.text).toBe(`${'h'.repeat(157)}...`);
  });
});
