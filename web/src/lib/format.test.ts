import { describe, expect, it } from 'vitest';
import {
  formatCompactMoney,
  formatCount,
  formatDateTime,
  formatDay,
  formatDuration,
  formatMoney,
  formatPercent,
  formatTime,
} from './format.ts';

describe('formatMoney', () => {
  it('groups and keeps two decimals by default', () => {
    expect(formatMoney(1234567.8, { locale: 'en-IN' })).toBe('12,34,567.80');
    expect(formatMoney(1234567.8, { locale: 'en-US' })).toBe('1,234,567.80');
  });

  it('adds the currency symbol only when a currency is given', () => {
    expect(formatMoney(99.5, { locale: 'en-IN', currency: 'INR' })).toBe('₹99.50');
  });

  it('rounds to the requested fraction digits', () => {
    expect(formatMoney(1999.5, { locale: 'en-US', fractionDigits: 0 })).toBe('2,000');
    expect(formatMoney(-12.345, { locale: 'en-US' })).toBe('-12.35');
  });
});

describe('formatCompactMoney', () => {
  it('abbreviates large amounts for axes', () => {
    expect(formatCompactMoney(12_345, { locale: 'en-US' })).toBe('12.3K');
    expect(formatCompactMoney(0, { locale: 'en-US' })).toBe('0');
  });
});

describe('formatCount', () => {
  it('shows integers without decimals and fractional items with up to two', () => {
    expect(formatCount(1200, { locale: 'en-US' })).toBe('1,200');
    expect(formatCount(2.125, { locale: 'en-US' })).toBe('2.13');
  });
});

describe('date formatting in the store time zone', () => {
  const instant = Date.parse('2025-11-22T08:35:09Z');

  it('formats the wall-clock time of the store, not of the browser', () => {
    expect(formatTime(instant, 'Asia/Kolkata', 'en-GB')).toBe('14:05');
    expect(formatTime(instant, 'UTC', 'en-GB', true)).toBe('08:35:09');
  });

  it('formats the day and date-time', () => {
    expect(formatDay(instant, 'Asia/Kolkata', 'en-GB')).toBe('Sat 22 Nov');
    expect(formatDateTime(instant, 'Asia/Kolkata', 'en-GB')).toBe('22 Nov, 14:05');
  });
});

describe('formatPercent', () => {
  it('shows one decimal below 10% and none above', () => {
    expect(formatPercent(0.4838, { locale: 'en-US' })).toBe('48%');
    expect(formatPercent(0.0911, { locale: 'en-US' })).toBe('9.1%');
    expect(formatPercent(0, { locale: 'en-US' })).toBe('0%');
    expect(formatPercent(1, { locale: 'en-US' })).toBe('100%');
  });
});

describe('formatDuration', () => {
  it('uses the largest sensible units', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000)).toBe('3 h');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(52 * 3_600_000)).toBe('2 d 4 h');
    expect(formatDuration(-5)).toBe('0 s');
  });
});
