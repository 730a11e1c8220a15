import type { NotificationJob } from '@shelfsense/contracts';
import { parseRetryAfter, retryableStatus } from '../delivery-retry.service.ts';
import { signatureHeader } from '../webhook-signature.service.ts';
import { describeFetchError, type NotificationChannel } from './notification-channel.ts';

/** `type` in the webhook body: why this notification was sent (docs/webhooks.md). */
export function webhookEventType(job: NotificationJob): string {
  switch (job.reason) {
    case 'transition':
      return `alert.${job.state ?? 'firing'}`;
    case 'repeat':
    case 'escalation':
    case 'fallback':
      return `alert.${job.reason}`;
    case 'summary':
    case 'system':
      return job.reason;
  }
}

/** The exact bytes POSTed (and signed): docs/webhooks.md documents this shape. */
export function webhookBody(job: NotificationJob): string {
  return JSON.stringify({
    id: job.id,
    type: webhookEventType(job),
    alert: job.alert ?? null,
    // Every alert of a group; jobs enqueued before groups carried their alerts have only `alert`.
    alerts: job.alerts ?? (job.alert === undefined ? [] : [job.alert]),
    state: job.state ?? null,
    text: job.text,
    createdAt: job.createdAt,
  });
}

const USER_AGENT = 'ShelfSense-Webhooks/1';

/**
 * POSTs the job as signed JSON. 2xx = delivered. Redirects are not followed (a signed request
 * must not be forwarded somewhere the channel owner did not configure).
 */
export function createWebhookChannel(deps: { fetch?: typeof fetch } = {}): NotificationChannel<'webhook'> {
  const doFetch = deps.fetch ?? fetch;
  return {
    kind: 'webhook',
    async deliver(job, channel, ctx) {
      const body = webhookBody(job);
      const secrets = channel.previousSecret === null ? [channel.secret] : [channel.secret, channel.previousSecret];
      // Signed per attempt: the timestamp must be fresh for the receiver's tolerance window.
      const t = Math.floor(ctx.now().getTime() / 1000);
      const started = performance.now();
      let res: Response;
      try {
        res = await doFetch(channel.url, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(channel.timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'shelfsense-signature': signatureHeader(body, secrets, t),
            'idempotency-key': job.id,
            'shelfsense-delivery-attempt': String(ctx.attempt),
          },
        });
        // Drain the body so the connection is reused; its content does not matter.
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        return {
          ok: false,
          retryable: true,
          httpStatus: null,
          latencyMs: Math.round(performance.now() - started),
          error: describeFetchError(err, channel.timeoutMs),
        };
      }
      const latencyMs = Math.round(performance.now() - started);
      if (res.status >= 200 && res.status < 300) return { ok: true, httpStatus: res.status, latencyMs };
      if (res.status >= 300 && res.status < 400) {
        return {
          ok: false,
          retryable: false,
          httpStatus: res.status,
          latencyMs,
          error: `HTTP ${res.status}: redirects are not followed`,
        };
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), ctx.now());
      return {
        ok: false,
        retryable: retryableStatus(res.status),
        httpStatus: res.status,
        latencyMs,
        error: `HTTP ${res.status}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    },
  };
}
