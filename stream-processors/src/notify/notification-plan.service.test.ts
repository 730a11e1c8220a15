import { describe, expect, it } from 'vitest';
import { T0, makeNotifiable, makePolicy } from '../../test/notify-fixtures.ts';
import {
  channelsThrough,
  followUp,
  groupFlushAt,
  makeJob,
  noticeText,
  notificationIds,
  notifiesOn,
  notifiesResolved,
} from './notification-plan.service.ts';

const min = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('notificationIds', () => {
  it('builds the documented ids', () => {
    expect(notificationIds.transition('al-1', 2, 'ch-a')).toBe('ntf:al-1:2:ch-a');
    expect(notificationIds.repeat('al-1', 3, 'ch-a')).toBe('ntf:al-1:repeat-3:ch-a');
    expect(notificationIds.escalation('al-1', 1, 'ch-b')).toBe('ntf:al-1:escalate-1:ch-b');
  });

  it('names a fallback after the original notification and the channel that failed', () => {
    expect(notificationIds.fallback({ id: 'ntf:al-1:2:ch-a', alertId: 'al-1', channelId: 'ch-a' }, 'ch-sms')).toBe(
      'ntf:al-1:2~fallback-ch-a:ch-sms',
    );
    // Alert ids with colons are cut by value, not by splitting.
    expect(notificationIds.fallback({ id: 'ntf:a:b:repeat-1:ch-a', alertId: 'a:b', channelId: 'ch-a' }, 'ch-x')).toBe(
      'ntf:a:b:repeat-1~fallback-ch-a:ch-x',
    );
  });
});

describe('notifiesOn / notifiesResolved', () => {
  it('notifies firing and resolved as the policy says, never pending or acknowledged', () => {
    const p = makePolicy({ notifyOn: ['firing'] });
    expect(notifiesOn(p, 'firing')).toBe(true);
    expect(notifiesOn(p, 'resolved')).toBe(false);
    expect(notifiesOn(makePolicy(), 'acknowledged')).toBe(false);
    expect(notifiesOn(makePolicy(), 'pending')).toBe(false);
  });

  it('tells about a resolve only those who heard the alert fire', () => {
    const p = makePolicy();
    expect(notifiesResolved(p, makeNotifiable({ lastNotifiedAt: min(1) }))).toBe(true);
    expect(notifiesResolved(p, makeNotifiable({ lastNotifiedAt: null }))).toBe(false); // silenced or grouped away
    expect(notifiesResolved(makePolicy({ notifyOn: ['resolved'] }), makeNotifiable({ lastNotifiedAt: null }))).toBe(true);
    expect(notifiesResolved(makePolicy({ notifyOn: ['resolved'] }), makeNotifiable({ alert: { firedAt: null } }))).toBe(false);
  });
});

describe('groupFlushAt', () => {
  const p = makePolicy({ groupWaitSeconds: 30, groupIntervalSeconds: 300 });

  it('waits groupWait after the first firing of a quiet group', () => {
    expect(groupFlushAt({ firedAt: T0, groupLastNotifiedAt: null, policy: p })).toEqual(new Date(T0.getTime() + 30_000));
  });

  it('holds updates of a group that already notified until groupInterval has passed', () => {
    expect(groupFlushAt({ firedAt: min(2), groupLastNotifiedAt: min(1), policy: p })).toEqual(min(6));
    // Long after the interval: at once.
    expect(groupFlushAt({ firedAt: min(20), groupLastNotifiedAt: min(1), policy: p })).toEqual(min(20));
  });
});

describe('followUp', () => {
  const p = makePolicy({
    steps: [
      { channelIds: ['ch-a'], afterMinutes: 0 },
      { channelIds: ['ch-b'], afterMinutes: 15 },
      { channelIds: ['ch-c', 'ch-a'], afterMinutes: 45 },
    ],
    repeatIntervalMinutes: 60,
  });
  const notified = (over: Parameters<typeof makeNotifiable>[0] = {}) => makeNotifiable({ lastNotifiedAt: T0, ...over });

  it('escalates to the next step once its afterMinutes since firing have passed, one step at a time', () => {
    expect(followUp(notified(), p, min(14))).toEqual({ kind: 'none' });
    expect(followUp(notified(), p, min(15))).toEqual({ kind: 'escalate', step: 1 });
    expect(followUp(notified({ escalationStep: 1, lastNotifiedAt: min(15) }), p, min(50))).toEqual({ kind: 'escalate', step: 2 });
    expect(followUp(notified({ escalationStep: 2, lastNotifiedAt: min(50) }), p, min(100))).toEqual({ kind: 'none' });
  });

  it('repeats after repeatInterval since the last notification, numbered by intervals since firing', () => {
    const last = notified({ escalationStep: 2, lastNotifiedAt: min(50) });
    expect(followUp(last, p, min(110))).toEqual({ kind: 'repeat', n: 1 });
    expect(followUp(notified({ escalationStep: 2, lastNotifiedAt: min(110) }), p, min(170))).toEqual({ kind: 'repeat', n: 2 });
  });

  it('does nothing for acknowledged, never-notified or firing-not-notified policies', () => {
    expect(followUp(notified({ alert: { state: 'acknowledged' } }), p, min(500))).toEqual({ kind: 'none' });
    expect(followUp(makeNotifiable({ lastNotifiedAt: null }), p, min(500))).toEqual({ kind: 'none' });
    expect(followUp(notified(), makePolicy({ notifyOn: ['resolved'] }), min(500))).toEqual({ kind: 'none' });
  });
});

describe('channelsThrough', () => {
  it('lists each channel once, in step order', () => {
    const p = makePolicy({
      steps: [
        { channelIds: ['ch-a'], afterMinutes: 0 },
        { channelIds: ['ch-b', 'ch-a'], afterMinutes: 5 },
      ],
    });
    expect(channelsThrough(p, 0)).toEqual(['ch-a']);
    expect(channelsThrough(p, 1)).toEqual(['ch-a', 'ch-b']);
  });
});

describe('noticeText / makeJob', () => {
  it('lists every alert of a group under one heading', () => {
    const text = noticeText(
      'firing',
      [makeNotifiable(), makeNotifiable({ alert: { id: 'al-2', subject: 'zone:cam-1/z2', summary: 'Zone z2 empty' } })],
      T0,
    );
    expect(text).toBe(
      '[WARNING] 2 alerts firing — Shelf empty (store store-1)\n- zone:cam-1/z1: Zone z1 empty for 10 min\n- zone:cam-1/z2: Zone z2 empty',
    );
  });

  it('says how long an escalated alert has gone unacknowledged', () => {
    expect(noticeText('escalation', [makeNotifiable()], min(15))).toBe(
      '[WARNING] ESCALATED: unacknowledged for 15 min — Shelf empty: Zone z1 empty for 10 min (store store-1, zone:cam-1/z1)',
    );
  });

  it('builds a valid NOTIFY job and clips the text to 4000 characters', () => {
    const n = makeNotifiable();
    const job = makeJob({
      id: 'ntf:al-1:2:ch-a',
      channelId: 'ch-a',
      reason: 'transition',
      alert: n.alert,
      state: 'firing',
      text: 'x'.repeat(5000),
      now: T0,
    });
    expect(job).toMatchObject({ v: 1, id: 'ntf:al-1:2:ch-a', storeId: 'store-1', createdAt: T0.toISOString() });
    expect(job.text).toHaveLength(4000);
  });
});
