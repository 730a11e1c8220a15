import { describe, expect, it } from 'vitest';
import { formatDays, formatWindow, isOvernight, toggleDay } from './weekly-windows.ts';

describe('weekly windows', () => {
  it('names day sets the way people say them', () => {
    expect(formatDays(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('Every day');
    expect(formatDays(['fri', 'mon', 'wed', 'tue', 'thu'])).toBe('Mon–Fri');
    expect(formatDays(['sat', 'sun'])).toBe('Sat–Sun');
    expect(formatDays(['mon', 'wed', 'fri'])).toBe('Mon, Wed, Fri');
    expect(formatDays(['mon', 'tue', 'wed', 'sat'])).toBe('Mon–Wed, Sat');
    expect(formatDays([])).toBe('');
  });

  it('marks windows that end at or before they start as running into the next day', () => {
    expect(isOvernight('22:00', '06:00')).toBe(true);
    expect(isOvernight('09:00', '09:00')).toBe(true);
    expect(isOvernight('09:00', '24:00')).toBe(false);
    expect(isOvernight('', '06:00')).toBe(false);
    expect(formatWindow('22:00', '02:00')).toBe('22:00–02:00 (next day)');
    expect(formatWindow('07:00', '23:00')).toBe('07:00–23:00');
  });

  it('toggles a day and keeps week order', () => {
    expect(toggleDay(['mon', 'fri'], 'wed')).toEqual(['mon', 'wed', 'fri']);
    expect(toggleDay(['mon', 'wed', 'fri'], 'wed')).toEqual(['mon', 'fri']);
  });
});
