// API calls of a store's alerting settings: silences, notification channels and policies, opening
// hours and the delivery ledger. Channel secrets only ever travel in request bodies (never in a
// URL), and no method here logs anything.
import type {
  Channel,
  ChannelCreate,
  ChannelPatch,
  ChannelsResponse,
  DeliveriesResponse,
  DeliveryAttempt,
  OpeningHoursInput,
  OpeningHoursResponse,
  PoliciesResponse,
  Policy,
  PolicyBody,
  PolicyCreate,
  Silence,
  SilenceInput,
  SilencesResponse,
} from '@shelfsense/contracts';
import { ApiError } from './api-error.ts';
import { isRecord, query, storePath, withArrays, withId, type Http } from './http.ts';

export type DeliveryStatus = DeliveryAttempt['status'];

export interface DeliveriesRequest {
  readonly storeId: string;
  readonly statuses?: readonly DeliveryStatus[] | undefined;
  readonly channelId?: string | undefined;
  /** 1–500, default 100. */
  readonly limit?: number;
  readonly cursor?: string | undefined;
}

/*
 * Request bodies are the contracts' input types with defaulted fields optional (`z.input`-like):
 * the API fills in the defaults, so the forms send only what the user set.
 */
type Loose<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type SilenceRequest = Loose<SilenceInput, 'matchers' | 'endsAt' | 'recurrence' | 'comment'>;
export type ChannelRequest =
  | Loose<Extract<ChannelCreate, { kind: 'webhook' }>, 'previousSecret' | 'timeoutMs' | 'maxAttempts'>
  | Loose<Extract<ChannelCreate, { kind: 'sms' }>, 'maxAttempts'>;
export type PolicyRequest = PolicyBody;
export type PolicyCreateRequest = PolicyCreate;

export interface AlertingSettingsClient {
  /** Silences of the store, newest first; expired ones too with `includeExpired`. */
  listSilences(storeId: string, includeExpired: boolean, signal?: AbortSignal): Promise<SilencesResponse>;
  /** Scope `write`; a 400 names the bad fields. */
  createSilence(storeId: string, silence: SilenceRequest, signal?: AbortSignal): Promise<Silence>;
  /** Expires a started silence (kept as a record), deletes one that has not started (scope `write`). */
  endSilence(storeId: string, silenceId: string, signal?: AbortSignal): Promise<void>;

  /** Every channel the key sees (scope `admin`): the store's own and, for unrestricted keys, fleet-wide ones. */
  listChannels(signal?: AbortSignal): Promise<ChannelsResponse>;
  createChannel(channel: ChannelRequest, signal?: AbortSignal): Promise<Channel>;
  /** Only the fields given change; `{ secret, rotate: true }` rotates, `{ previousSecret: null }` ends a rotation. */
  updateChannel(channelId: string, patch: ChannelPatch, signal?: AbortSignal): Promise<Channel>;
  /** 409 `conflict` while a policy names the channel. */
  deleteChannel(channelId: string, signal?: AbortSignal): Promise<void>;

  listPolicies(signal?: AbortSignal): Promise<PoliciesResponse>;
  createPolicy(policy: PolicyCreateRequest, signal?: AbortSignal): Promise<Policy>;
  replacePolicy(policyId: string, policy: PolicyRequest, signal?: AbortSignal): Promise<Policy>;
  deletePolicy(policyId: string, signal?: AbortSignal): Promise<void>;

  getOpeningHours(storeId: string, signal?: AbortSignal): Promise<OpeningHoursResponse>;
  setOpeningHours(storeId: string, hours: OpeningHoursInput, signal?: AbortSignal): Promise<OpeningHoursResponse>;
  /** No hours at all: the store counts as always open. */
  clearOpeningHours(storeId: string, signal?: AbortSignal): Promise<OpeningHoursResponse>;

  /** The delivery ledger of one store, newest attempt first. */
  listDeliveries(request: DeliveriesRequest, signal?: AbortSignal): Promise<DeliveriesResponse>;
}

function withOpeningHours(body: unknown): OpeningHoursResponse {
  if (!isRecord(body) || typeof body['timezone'] !== 'string' || !('openingHours' in body)) {
    throw new ApiError('internal', 'Unexpected opening hours response from the API.', { status: 200 });
  }
  return body as unknown as OpeningHoursResponse;
}

export function alertingSettingsClient(http: Http): AlertingSettingsClient {
  const channelPath = (id: string) => `/api/v1/notification-channels/${encodeURIComponent(id)}`;
  const policyPath = (id: string) => `/api/v1/notification-policies/${encodeURIComponent(id)}`;
  const silencePath = (storeId: string, id: string) => storePath(storeId, `silences/${encodeURIComponent(id)}`);

  return {
    async listSilences(storeId, includeExpired, signal) {
      const q = query({ includeExpired: String(includeExpired) });
      return withArrays(await http.json('GET', storePath(storeId, `silences?${q}`), signal), 'silences', ['silences']);
    },
    async createSilence(storeId, silence, signal) {
      return withId(await http.json('POST', storePath(storeId, 'silences'), signal, silence), 'silence');
    },
    async endSilence(storeId, silenceId, signal) {
      await http.noContent('DELETE', silencePath(storeId, silenceId), signal);
    },

    async listChannels(signal) {
      return withArrays(await http.json('GET', '/api/v1/notification-channels', signal), 'channels', ['channels']);
    },
    async createChannel(channel, signal) {
      return withId(await http.json('POST', '/api/v1/notification-channels', signal, channel), 'channel');
    },
    async updateChannel(channelId, patch, signal) {
      return withId(await http.json('PATCH', channelPath(channelId), signal, patch), 'channel');
    },
    async deleteChannel(channelId, signal) {
      await http.noContent('DELETE', channelPath(channelId), signal);
    },

    async listPolicies(signal) {
      return withArrays(await http.json('GET', '/api/v1/notification-policies', signal), 'policies', ['policies']);
    },
    async createPolicy(policy, signal) {
      return withId(await http.json('POST', '/api/v1/notification-policies', signal, policy), 'policy');
    },
    async replacePolicy(policyId, policy, signal) {
      return withId(await http.json('PUT', policyPath(policyId), signal, policy), 'policy');
    },
    async deletePolicy(policyId, signal) {
      await http.noContent('DELETE', policyPath(policyId), signal);
    },

    async getOpeningHours(storeId, signal) {
      return withOpeningHours(await http.json('GET', storePath(storeId, 'opening-hours'), signal));
    },
    async setOpeningHours(storeId, hours, signal) {
      return withOpeningHours(await http.json('PUT', storePath(storeId, 'opening-hours'), signal, hours));
    },
    async clearOpeningHours(storeId, signal) {
      return withOpeningHours(await http.json('DELETE', storePath(storeId, 'opening-hours'), signal));
    },

    async listDeliveries(request, signal) {
      const q = query({
        storeId: request.storeId,
        status: request.statuses,
        channelId: request.channelId,
        limit: request.limit,
        cursor: request.cursor,
      });
      return withArrays(await http.json('GET', `/api/v1/notification-deliveries?${q}`, signal), 'deliveries', ['deliveries']);
    },
  };
}
