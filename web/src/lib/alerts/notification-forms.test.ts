import type { Channel, Policy } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import {
  channelCreateOf,
  channelFormOf,
  channelPatchOf,
  describeSteps,
  parseNumbers,
  policyBodyOf,
  policyFormOf,
  usableBy,
} from './notification-forms.ts';

const webhook: Channel = {
  id: 'ch1',
  storeId: 'demo-blr-1',
  kind: 'webhook',
  name: 'Ops',
  url: 'https://ops.test/hook',
  timeoutMs: 5000,
  maxAttempts: 6,
  hasSecret: true,
  rotating: false,
  createdAt: '2025-11-22T08:00:00.000Z',
  updatedAt: '2025-11-22T08:00:00.000Z',
};
const sms: Channel = { ...webhook, id: 'ch2', kind: 'sms', name: 'On call', to: ['+919812345678'], maxAttempts: 4 } as Channel;

describe('channel form', () => {
  it('never starts with a secret, and an unchanged edit sends nothing', () => {
    const form = channelFormOf(webhook);
    expect(form.secret).toBe('');
    expect(channelPatchOf(webhook, form)).toBeNull();
  });

  it('sends only what changed, and a secret only when one was typed', () => {
    const form = channelFormOf(webhook);
    form.name = 'Ops (EU)';
    form.timeoutMs = 2000;
    expect(channelPatchOf(webhook, form)).toEqual({ name: 'Ops (EU)', timeoutMs: 2000 });
    form.secret = 'new-secret-0123456789';
    form.rotate = true;
    expect(channelPatchOf(webhook, form)).toEqual({ name: 'Ops (EU)', timeoutMs: 2000, secret: 'new-secret-0123456789', rotate: true });
  });

  it('reads SMS numbers one per line or comma-separated, spaces and dashes removed', () => {
    expect(parseNumbers('+91 98123 45678,\n+31-6-1234-5678;\n\n')).toEqual(['+919812345678', '+31612345678']);
    const form = channelFormOf(sms);
    expect(channelPatchOf(sms, form)).toBeNull();
    form.to = '+919812345678\n+31612345678';
    expect(channelPatchOf(sms, form)).toEqual({ to: ['+919812345678', '+31612345678'] });
  });

  it('creates a channel of the store; an empty number goes as null for the API to name', () => {
    const form = channelFormOf(null, 'webhook');
    Object.assign(form, { name: ' Ops ', url: ' https://ops.test/hook ', secret: 's'.repeat(16), maxAttempts: null });
    expect(channelCreateOf(form, 'demo-blr-1')).toEqual({
      kind: 'webhook',
      storeId: 'demo-blr-1',
      name: 'Ops',
      url: 'https://ops.test/hook',
      secret: 's'.repeat(16),
      timeoutMs: 5000,
      maxAttempts: null,
    });
    expect(channelCreateOf({ ...channelFormOf(null, 'sms'), name: 'x', to: '+919812345678' }, 's1')).toEqual({
      kind: 'sms',
      storeId: 's1',
      name: 'x',
      to: ['+919812345678'],
      maxAttempts: 4,
    });
  });
});

describe('policy form', () => {
  const policy: Policy = {
    id: 'p1',
    storeId: 'demo-blr-1',
    name: 'Shelf',
    steps: [
      { channelIds: ['ch1'], afterMinutes: 0 },
      { channelIds: ['ch2', 'ch1'], afterMinutes: 15 },
    ],
    fallbackChannelIds: ['ch2'],
    groupWaitSeconds: 30,
    groupIntervalSeconds: 300,
    repeatIntervalMinutes: 240,
    notifyOn: ['firing'],
    createdAt: '2025-11-22T08:00:00.000Z',
    updatedAt: '2025-11-22T08:00:00.000Z',
  };

  it('round-trips a policy', () => {
    const { id: _id, storeId: _s, createdAt: _c, updatedAt: _u, ...body } = policy;
    expect(policyBodyOf(policyFormOf(policy))).toEqual(body);
  });

  it("starts a new one with the API's defaults and both transitions", () => {
    expect(policyBodyOf({ ...policyFormOf(null), name: 'n' })).toEqual({
      name: 'n',
      steps: [{ channelIds: [], afterMinutes: 0 }],
      fallbackChannelIds: [],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
      repeatIntervalMinutes: 240,
      notifyOn: ['firing', 'resolved'],
    });
  });

  it('describes the escalation and picks what a store may use', () => {
    const names: Record<string, string> = { ch1: 'Ops', ch2: 'On call' };
    expect(describeSteps(policy, (id) => names[id] ?? id)).toBe('Ops at once → On call + Ops after 15 min');
    const usable = usableBy('demo-blr-1');
    expect([{ storeId: null }, { storeId: 'demo-blr-1' }, { storeId: 'demo-ams-1' }].map(usable)).toEqual([true, true, false]);
  });
});
