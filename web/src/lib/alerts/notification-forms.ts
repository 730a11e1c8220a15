// Channel and policy forms to and from the API's bodies. Channel secrets are write-only: a form
// starts with an empty secret, an edit sends one only when the user chose to replace or rotate it,
// and nothing here keeps a secret once the body is built.
import type { Channel, ChannelPatch, Policy } from '@shelfsense/contracts';
import type { ChannelRequest, PolicyRequest } from '../api/alerting-settings.client.ts';

export interface ChannelForm {
  kind: 'webhook' | 'sms';
  name: string;
  url: string;
  /** Write-only; '' = keep (edit) — a new webhook needs one. */
  secret: string;
  /** On an edit with a new secret: keep the current one signing too until the rotation ends. */
  rotate: boolean;
  /** Number inputs: null when empty. */
  timeoutMs: number | null;
  maxAttempts: number | null;
  /** SMS numbers, one per line or comma-separated. */
  to: string;
}

/** The API's defaults (ChannelInput in contracts). */
const DEFAULT_ATTEMPTS = { webhook: 6, sms: 4 } as const;

export function channelFormOf(channel: Channel | null, kind: ChannelForm['kind'] = 'webhook'): ChannelForm {
  if (channel === null) {
    return { kind, name: '', url: '', secret: '', rotate: false, timeoutMs: 5000, maxAttempts: DEFAULT_ATTEMPTS[kind], to: '' };
  }
  return {
    kind: channel.kind,
    name: channel.name,
    url: channel.kind === 'webhook' ? channel.url : '',
    secret: '',
    rotate: false,
    timeoutMs: channel.kind === 'webhook' ? channel.timeoutMs : 5000,
    maxAttempts: channel.maxAttempts,
    to: channel.kind === 'sms' ? channel.to.join('\n') : '',
  };
}

/** `+91 98123 45678` stays one number: split on commas, semicolons and line breaks only. */
export function parseNumbers(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((n) => n.replace(/[\s()-]/g, ''))
    .filter((n) => n !== '');
}

/** An empty number input goes as null so the API's message names the field. */
const num = (value: number | null): number => value as number;

/** The POST body for a new channel of `storeId`. */
export function channelCreateOf(form: ChannelForm, storeId: string): ChannelRequest {
  if (form.kind === 'sms') {
    return { kind: 'sms', storeId, name: form.name.trim(), to: parseNumbers(form.to), maxAttempts: num(form.maxAttempts) };
  }
  return {
    kind: 'webhook',
    storeId,
    name: form.name.trim(),
    url: form.url.trim(),
    secret: form.secret,
    timeoutMs: num(form.timeoutMs),
    maxAttempts: num(form.maxAttempts),
  };
}

/** The PATCH body: only what changed (null when nothing did); a secret only when one was typed. */
export function channelPatchOf(channel: Channel, form: ChannelForm): ChannelPatch | null {
  const patch: Record<string, unknown> = {};
  if (form.name.trim() !== channel.name) patch['name'] = form.name.trim();
  if (form.maxAttempts !== channel.maxAttempts) patch['maxAttempts'] = num(form.maxAttempts);
  if (channel.kind === 'webhook') {
    if (form.url.trim() !== channel.url) patch['url'] = form.url.trim();
    if (form.timeoutMs !== channel.timeoutMs) patch['timeoutMs'] = num(form.timeoutMs);
    if (form.secret !== '') {
      patch['secret'] = form.secret;
      if (form.rotate) patch['rotate'] = true;
    }
  } else {
    const to = parseNumbers(form.to);
    if (to.join(',') !== channel.to.join(',')) patch['to'] = to;
  }
  return Object.keys(patch).length === 0 ? null : (patch as ChannelPatch);
}

export interface PolicyForm {
  name: string;
  steps: { channelIds: string[]; afterMinutes: number | null }[];
  fallbackChannelIds: string[];
  groupWaitSeconds: number | null;
  groupIntervalSeconds: number | null;
  repeatIntervalMinutes: number | null;
  notifyOnFiring: boolean;
  notifyOnResolved: boolean;
}

/** A policy as the form edits it; a new one starts with the API's defaults and one immediate step. */
export function policyFormOf(policy: Policy | null): PolicyForm {
  if (policy === null) {
    return {
      name: '',
      steps: [{ channelIds: [], afterMinutes: 0 }],
      fallbackChannelIds: [],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
      repeatIntervalMinutes: 240,
      notifyOnFiring: true,
      notifyOnResolved: true,
    };
  }
  return {
    name: policy.name,
    steps: policy.steps.map((s) => ({ channelIds: [...s.channelIds], afterMinutes: s.afterMinutes })),
    fallbackChannelIds: [...policy.fallbackChannelIds],
    groupWaitSeconds: policy.groupWaitSeconds,
    groupIntervalSeconds: policy.groupIntervalSeconds,
    repeatIntervalMinutes: policy.repeatIntervalMinutes,
    notifyOnFiring: policy.notifyOn.includes('firing'),
    notifyOnResolved: policy.notifyOn.includes('resolved'),
  };
}

/** The body of POST (plus storeId) and PUT. Steps keep their order, so `steps.1.channelIds` errors point at step 2. */
export function policyBodyOf(form: PolicyForm): PolicyRequest {
  return {
    name: form.name.trim(),
    steps: form.steps.map((s) => ({ channelIds: [...s.channelIds], afterMinutes: num(s.afterMinutes) })),
    fallbackChannelIds: [...form.fallbackChannelIds],
    groupWaitSeconds: num(form.groupWaitSeconds),
    groupIntervalSeconds: num(form.groupIntervalSeconds),
    repeatIntervalMinutes: num(form.repeatIntervalMinutes),
    notifyOn: [...(form.notifyOnFiring ? (['firing'] as const) : []), ...(form.notifyOnResolved ? (['resolved'] as const) : [])],
  };
}

/** `Ops webhook at once → SMS on call after 15 min`. */
export function describeSteps(policy: Policy, channelName: (id: string) => string): string {
  return policy.steps
    .map((s) => `${s.channelIds.map(channelName).join(' + ')} ${s.afterMinutes === 0 ? 'at once' : `after ${s.afterMinutes} min`}`)
    .join(' → ');
}

/** A channel or policy this store's pages may show: its own, or fleet-wide ones (storeId null). */
export const usableBy = (storeId: string) => (resource: { storeId: string | null }) =>
  resource.storeId === null || resource.storeId === storeId;
