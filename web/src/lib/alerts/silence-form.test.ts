import type { Silence } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { describeMatchers, describeSchedule, groupSilences, newSilenceForm, silenceInputOf } from './silence-form.ts';

const TZ = 'Asia/Kolkata';
const NOW = Date.parse('2025-11-22T08:35:20Z'); // 14:05 in Bengaluru

function silence(over: Partial<Silence>): Silence {
  return {
    id: 's',
    storeId: 'demo-blr-1',
    matchers: [],
    startsAt: '2025-11-22T08:00:00.000Z',
    endsAt: '2025-11-22T10:00:00.000Z',
    recurrence: null,
    comment: '',
    createdBy: 'k',
    createdAt: '2025-11-22T08:00:00.000Z',
    ...over,
  };
}

describe('silence form', () => {
  it('starts now for two hours on the store clock', () => {
    expect(newSilenceForm(NOW, TZ)).toMatchObject({ schedule: 'once', startsAt: '2025-11-22T14:05', endsAt: '2025-11-22T16:05' });
  });

  it('sends a one-off window as UTC instants', () => {
    const form = newSilenceForm(NOW, TZ);
    form.matchers = [{ label: ' severity ', op: '=', value: 'critical' }];
    form.comment = ' restock ';
    expect(silenceInputOf(form, TZ)).toEqual({
      matchers: [{ label: 'severity', op: '=', value: 'critical' }],
      startsAt: '2025-11-22T08:35:00.000Z',
      endsAt: '2025-11-22T10:35:00.000Z',
      recurrence: null,
      comment: 'restock',
    });
  });

  it('sends weekly windows as typed (the API reads them on the store clock), with no end when left blank', () => {
    const form = newSilenceForm(NOW, TZ);
    form.schedule = 'weekly';
    form.endsAt = '';
    form.weekly = [{ days: ['sat', 'sun'], from: '20:00', to: '08:00' }];
    expect(silenceInputOf(form, TZ)).toMatchObject({ endsAt: null, recurrence: { weekly: [{ days: ['sat', 'sun'], from: '20:00', to: '08:00' }] } });
    form.schedule = 'closed';
    expect(silenceInputOf(form, TZ).recurrence).toEqual({ outsideOpeningHours: true });
  });

  it('passes text that is not a time through, so the API names the field', () => {
    const form = newSilenceForm(NOW, TZ);
    form.startsAt = 'soon';
    expect(silenceInputOf(form, TZ).startsAt).toBe('soon');
  });
});

describe('silence list', () => {
  it('groups active, upcoming and expired silences', () => {
    const groups = groupSilences(
      [
        silence({ id: 'open-ended', recurrence: { outsideOpeningHours: true }, endsAt: null }),
        silence({ id: 'active' }),
        silence({ id: 'later', startsAt: '2025-11-23T08:00:00.000Z', endsAt: '2025-11-23T09:00:00.000Z' }),
        silence({ id: 'soon', startsAt: '2025-11-22T09:00:00.000Z' }),
        silence({ id: 'old', endsAt: '2025-11-22T08:30:00.000Z' }),
        silence({ id: 'ended-now', endsAt: '2025-11-22T08:35:20.000Z' }),
      ],
      NOW,
    );
    expect(groups.active.map((s) => s.id)).toEqual(['active', 'open-ended']);
    expect(groups.upcoming.map((s) => s.id)).toEqual(['soon', 'later']);
    expect(groups.expired.map((s) => s.id)).toEqual(['ended-now', 'old']);
  });

  it('describes matchers and schedules', () => {
    expect(describeMatchers([])).toBe('every alert of the store');
    expect(
      describeMatchers([
        { label: 'severity', op: '=', value: 'critical' },
        { label: 'zone', op: '=~', value: 'cam-.*' },
      ]),
    ).toBe('severity is critical · zone matches regex cam-.*');
    expect(describeSchedule(silence({ recurrence: { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '22:00', to: '06:00' }] } }))).toBe(
      'Mon–Fri 22:00–06:00 (next day)',
    );
    expect(describeSchedule(silence({ recurrence: { outsideOpeningHours: true } }))).toBe('whenever the store is closed');
  });
});
