import type { OpeningHours } from '@shelfsense/contracts';
import type { InhibitingAlert, SilenceRecord } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { makeAlert, makeContext } from '../../test/notify-fixtures.ts';
import {
  inhibitorOf,
  matchableLabels,
  matchersMatch,
  recurrenceActive,
  silenceInEffect,
  suppressionOf,
} from './suppression.service.ts';

const silence = (over: Partial<SilenceRecord> = {}): SilenceRecord => ({
  id: 'si-1',
  storeId: 'store-1',
  matchers: [],
  startsAt: new Date('2026-01-01T00:00:00Z'),
  endsAt: null,
  recurrence: null,
  ...over,
});
const stale = (subject: string, id = 'al-hb'): InhibitingAlert => ({ id, kind: 'heartbeat_stale', subject, state: 'firing' });

describe('matchersMatch', () => {
  const labels = matchableLabels(makeAlert({ labels: { team: 'fresh', kind: 'spoofed' }, severity: 'critical' }));

  it('compares =, != and anchored =~ against labels and the alert fields', () => {
    expect(matchersMatch([{ label: 'team', op: '=', value: 'fresh' }], labels)).toBe(true);
    expect(matchersMatch([{ label: 'team', op: '!=', value: 'fresh' }], labels)).toBe(false);
    expect(matchersMatch([{ label: 'subject', op: '=~', value: 'zone:cam-1/.*' }], labels)).toBe(true);
    // Anchored: a regex matching only part of the value does not match.
    expect(matchersMatch([{ label: 'subject', op: '=~', value: 'cam-1' }], labels)).toBe(false);
    expect(matchersMatch([{ label: 'severity', op: '=~', value: 'warning|critical' }], labels)).toBe(true);
  });

  it('lets the alert fields override a label of the same name', () => {
    expect(labels['kind']).toBe('shelf_out_of_stock');
    expect(matchersMatch([{ label: 'kind', op: '=', value: 'spoofed' }], labels)).toBe(false);
  });

  it('reads an absent label as the empty string', () => {
    expect(matchersMatch([{ label: 'aisle', op: '!=', value: '7' }], labels)).toBe(true);
    expect(matchersMatch([{ label: 'aisle', op: '=', value: '' }], labels)).toBe(true);
    expect(matchersMatch([{ label: 'aisle', op: '=~', value: '.+' }], labels)).toBe(false);
  });

  it('needs every matcher to hold, and no matchers match everything', () => {
    expect(
      matchersMatch(
        [
          { label: 'team', op: '=', value: 'fresh' },
          { label: 'store', op: '=', value: 'other' },
        ],
        labels,
      ),
    ).toBe(false);
    expect(matchersMatch([], labels)).toBe(true);
  });
});

describe('recurrenceActive', () => {
  // Monday 2026-11-02. Asia/Kolkata is UTC+05:30 all year.
  const kolkata = (local: string) => new Date(`${local}+05:30`);
  const overnight = { weekly: [{ days: ['mon' as const], from: '22:00', to: '06:00' }] };

  it('reads weekly windows on the store clock, running past midnight from the day they start', () => {
    expect(recurrenceActive(overnight, 'Asia/Kolkata', null, kolkata('2026-11-02T21:59:00'))).toBe(false);
    expect(recurrenceActive(overnight, 'Asia/Kolkata', null, kolkata('2026-11-02T22:00:00'))).toBe(true);
    expect(recurrenceActive(overnight, 'Asia/Kolkata', null, kolkata('2026-11-03T05:59:00'))).toBe(true);
    expect(recurrenceActive(overnight, 'Asia/Kolkata', null, kolkata('2026-11-03T06:00:00'))).toBe(false);
    // Tuesday night is not a Monday window.
    expect(recurrenceActive(overnight, 'Asia/Kolkata', null, kolkata('2026-11-03T23:00:00'))).toBe(false);
    // The same UTC instant is Monday 17:00 in UTC: outside.
    expect(recurrenceActive(overnight, 'UTC', null, kolkata('2026-11-02T22:30:00'))).toBe(false);
  });

  it('treats a same-day window as [from, to)', () => {
    const lunch = { weekly: [{ days: ['mon' as const, 'tue' as const], from: '12:00', to: '13:00' }] };
    expect(recurrenceActive(lunch, 'Asia/Kolkata', null, kolkata('2026-11-03T12:30:00'))).toBe(true);
    expect(recurrenceActive(lunch, 'Asia/Kolkata', null, kolkata('2026-11-04T12:30:00'))).toBe(false);
  });

  it('is active outside opening hours only, in the store time zone; a store without hours is always open', () => {
    const hours: OpeningHours = {
      weekly: {
        mon: [{ opens: '09:00', closes: '21:00' }],
        tue: [{ opens: '09:00', closes: '21:00' }],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
      exceptions: [],
    };
    const r = { outsideOpeningHours: true as const };
    // Europe/Berlin is UTC+1 in November.
    expect(recurrenceActive(r, 'Europe/Berlin', hours, new Date('2026-11-02T09:30:00Z'))).toBe(false); // 10:30 local
    expect(recurrenceActive(r, 'Europe/Berlin', hours, new Date('2026-11-02T20:30:00Z'))).toBe(true); // 21:30 local
    expect(recurrenceActive(r, 'Europe/Berlin', hours, new Date('2026-11-02T07:30:00Z'))).toBe(true); // 08:30 local
    expect(recurrenceActive(r, 'Europe/Berlin', null, new Date('2026-11-02T02:00:00Z'))).toBe(false);
  });
});

describe('silenceInEffect', () => {
  it('holds inside [startsAt, endsAt) only', () => {
    const s = silence({ startsAt: new Date('2026-11-02T10:00:00Z'), endsAt: new Date('2026-11-02T11:00:00Z') });
    expect(silenceInEffect(s, 'UTC', null, new Date('2026-11-02T09:59:59Z'))).toBe(false);
    expect(silenceInEffect(s, 'UTC', null, new Date('2026-11-02T10:00:00Z'))).toBe(true);
    expect(silenceInEffect(s, 'UTC', null, new Date('2026-11-02T11:00:00Z'))).toBe(false);
  });
});

describe('inhibitorOf', () => {
  it('lets a stale camera inhibit the shelf alerts of its own zones only', () => {
    const inhibitors = [stale('camera:cam-1')];
    expect(inhibitorOf(makeAlert({ subject: 'zone:cam-1/z3' }), inhibitors)?.id).toBe('al-hb');
    expect(inhibitorOf(makeAlert({ subject: 'zone:cam-10/z3' }), inhibitors)).toBeUndefined();
    expect(inhibitorOf(makeAlert({ kind: 'pos_silent', subject: 'store' }), inhibitors)).toBeUndefined();
  });

  it('lets a stale agent inhibit the store POS-silent and shelf alerts but not sales thresholds', () => {
    const inhibitors = [stale('agent:edge-1')];
    expect(inhibitorOf(makeAlert({ kind: 'pos_silent', subject: 'store' }), inhibitors)?.id).toBe('al-hb');
    expect(inhibitorOf(makeAlert({ subject: 'zone:cam-7/z1' }), inhibitors)?.id).toBe('al-hb');
    expect(inhibitorOf(makeAlert({ kind: 'pos_vision_oos', subject: 'sku:milk' }), inhibitors)?.id).toBe('al-hb');
    expect(inhibitorOf(makeAlert({ kind: 'threshold', subject: 'store' }), inhibitors)).toBeUndefined();
  });

  it('never inhibits a heartbeat alert (a camera behind a stale agent still pages)', () => {
    expect(
      inhibitorOf(makeAlert({ id: 'al-cam', kind: 'heartbeat_stale', subject: 'camera:cam-1' }), [stale('agent:edge-1')]),
    ).toBeUndefined();
  });
});

describe('suppressionOf', () => {
  const at = new Date('2026-11-02T10:00:00Z');

  it('names the snooze, then a matching silence, then the inhibiting alert', () => {
    const ctx = makeContext({
      silences: [silence({ matchers: [{ label: 'subject', op: '=~', value: 'zone:.*' }] })],
      inhibitors: [stale('camera:cam-1')],
    });
    expect(suppressionOf(makeAlert({ snoozedUntil: '2026-11-02T12:00:00Z' }), ctx, at)).toBe('snoozed');
    expect(suppressionOf(makeAlert(), ctx, at)).toBe('silence:si-1');
    expect(suppressionOf(makeAlert(), makeContext({ inhibitors: ctx.inhibitors }), at)).toBe('inhibited:al-hb');
  });

  it('ignores an expired snooze, a non-matching silence and another store silence', () => {
    const ctx = makeContext({
      silences: [
        silence({ matchers: [{ label: 'severity', op: '=', value: 'critical' }] }),
        silence({ id: 'si-2', storeId: 'store-2' }),
      ],
    });
    expect(suppressionOf(makeAlert({ snoozedUntil: '2026-11-02T09:00:00Z' }), ctx, at)).toBeNull();
  });

  it('applies a fleet-wide silence (no store) to every store', () => {
    expect(suppressionOf(makeAlert(), makeContext({ silences: [silence({ id: 'si-fleet', storeId: null })] }), at)).toBe(
      'silence:si-fleet',
    );
  });
});
