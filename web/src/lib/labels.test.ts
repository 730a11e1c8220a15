import { describe, expect, it } from 'vitest';
import { keyLabel } from './labels.ts';

describe('keyLabel', () => {
  it('names known keys, capitalises the rest and shows a missing key as (none)', () => {
    expect(keyLabel('dine_in')).toBe('Dine-in');
    expect(keyLabel('zomato')).toBe('Zomato');
    expect(keyLabel('gift_card')).toBe('Gift card');
    expect(keyLabel('')).toBe('(none)');
  });
});
