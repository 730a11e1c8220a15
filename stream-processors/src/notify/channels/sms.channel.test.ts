import { describe, expect, it } from 'vitest';
import { T0, makeNotifiable } from '../../../test/notify-fixtures.ts';
import { makeJob, noticeText } from '../notification-plan.service.ts';
import { smsSegments } from '../sms-segments.service.ts';
import { smsBody } from './sms.channel.ts';

const group = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    makeNotifiable({ alert: { id: `al-${i}`, subject: `zone:cam-1/z${i}`, summary: `Zone z${i} empty for 10 min` } }),
  );
const jobOf = (alerts: ReturnType<typeof group>) =>
  makeJob({
    id: 'ntf:al-0:2:sms-1',
    channelId: 'sms-1',
    reason: 'transition',
    alert: alerts[0]!.alert,
    alerts: alerts.map((a) => a.alert),
    state: 'firing',
    text: noticeText('firing', alerts, T0),
    now: T0,
  });

describe('smsBody', () => {
  it('texts a group that fits whole', () => {
    const alerts = group(2);
    expect(smsBody(jobOf(alerts), 3)).toBe(noticeText('firing', alerts, T0));
  });

  it('says how many alerts a group has and how many did not fit, never cutting an alert line', () => {
    const body = smsBody(jobOf(group(30)), 3);
    const lines = body.split('\n');
    expect(lines[0]).toBe('[WARNING] 30 alerts firing — Shelf empty (store store-1)');
    const shown = lines.slice(1, -1);
    expect(shown).toEqual(group(30).slice(0, shown.length).map((a) => `- ${a.alert.subject}: ${a.alert.summary}`));
    expect(lines.at(-1)).toBe(`+${30 - shown.length} more`);
    expect(smsSegments(body).segments).toBeLessThanOrEqual(3);
  });

  it('cuts a single alert text as before', () => {
    const one = group(1);
    const job = makeJob({ ...jobOf(one), reason: 'transition', alert: one[0]!.alert, state: 'firing', text: 'x'.repeat(500), now: T0 });
    expect(smsBody(job, 1)).toBe(`${'x'.repeat(157)}...`);
  });
});
