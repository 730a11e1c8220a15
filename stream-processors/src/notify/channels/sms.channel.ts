import type { NotificationJob } from '@shelfsense/contracts';
import { listSmsSent, recordSmsSent, type Db } from '@shelfsense/db';
import { z } from 'zod';
import { parseRetryAfter, retryableStatus } from '../delivery-retry.service.ts';
import type { RedactedSecret } from '../redacted-secret.ts';
import { truncateSms, truncateSmsList } from '../sms-segments.service.ts';
import { describeFetchError, type DeliveryResult, type NotificationChannel } from './notification-channel.ts';

/** A Twilio-compatible provider (Twilio itself, or a local stand-in in tests). */
export interface SmsProviderSettings {
  /** e.g. https://api.twilio.com */
  readonly baseUrl: string;
  /** null when SMS is not configured: SMS jobs then go to the dead letter with that reason. */
  readonly credentials: { readonly accountSid: string; readonly authToken: RedactedSecret; readonly from: string } | null;
  /** Sent as StatusCallback when set (the provider POSTs delivery receipts there). */
  readonly statusCallbackUrl: string | null;
  /** Longest message in parts (billing units); longer text is cut with an ellipsis. */
  readonly maxSegments: number;
  readonly timeoutMs: number;
}

// Only what we read from the provider's answer; error bodies carry a numeric code (Twilio's
// error dictionary). Their `message` can quote the phone number, so it is never stored.
const Created = z.object({ sid: z.string().min(1).max(64) });
const Failure = z.object({ code: z.number().int() });

type Outcome =
  { ok: true; status: number } | { ok: false; status: number | null; retryable: boolean; error: string; retryAfterMs?: number };

/**
 * Texts every number of the channel through `POST {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json`
 * (basic auth sid:token, form To/From/Body[/StatusCallback]). The provider has no idempotency key,
 * so each accepted number is recorded and a retry after a partial failure texts only the rest.
 */
export function createSmsChannel(deps: {
  db: Db;
  settings: SmsProviderSettings;
  fetch?: typeof fetch;
}): NotificationChannel<'sms'> {
  const doFetch = deps.fetch ?? fetch;
  const { settings } = deps;

  async function sendOne(
    to: string,
    body: string,
    creds: NonNullable<SmsProviderSettings['credentials']>,
    now: Date,
  ): Promise<Outcome & { sid?: string }> {
    const url = `${settings.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(creds.accountSid)}/Messages.json`;
    const form = new URLSearchParams({ To: to, From: creds.from, Body: body });
    if (settings.statusCallbackUrl !== null) form.set('StatusCallback', settings.statusCallbackUrl);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, {
        method: 'POST',
        body: form,
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs),
        headers: { authorization: `Basic ${Buffer.from(`${creds.accountSid}:${creds.authToken.reveal()}`).toString('base64')}` },
      });
      text = await res.text();
    } catch (err) {
      return { ok: false, status: null, retryable: true, error: describeFetchError(err, settings.timeoutMs) };
    }
    if (res.status >= 200 && res.status < 300) {
      const created = Created.safeParse(safeJson(text));
      return { ok: true, status: res.status, ...(created.success ? { sid: created.data.sid } : {}) };
    }
    const failure = Failure.safeParse(safeJson(text));
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
    return {
      ok: false,
      status: res.status,
      // 401/403 (bad credentials) and 400 (invalid number) will not get better by retrying.
      retryable: retryableStatus(res.status),
      error: `HTTP ${res.status}${failure.success ? ` (provider error ${failure.data.code})` : ''}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }

  return {
    kind: 'sms',
    async deliver(job, channel, ctx): Promise<DeliveryResult> {
      const creds = settings.credentials;
      if (creds === null) {
        return {
          ok: false,
          retryable: false,
          httpStatus: null,
          latencyMs: null,
          error: 'SMS is not configured (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM)',
        };
      }
      const body = smsBody(job, settings.maxSegments);
      const done = new Set(await listSmsSent(deps.db, job.id));
      const started = performance.now();
      const failures: string[] = [];
      let retryable = false;
      let lastStatus: number | null = null;
      let retryAfterMs: number | undefined;
      for (const [i, to] of channel.to.entries()) {
        if (done.has(to)) continue;
        ctx.progress();
        const r = await sendOne(to, body, creds, ctx.now());
        lastStatus = r.status;
        if (r.ok) {
          // The provider's message id ties its status callbacks (delivery receipts) to this notification.
          await recordSmsSent(deps.db, {
            notificationId: job.id,
            to,
            recipient: i + 1,
            attempt: ctx.attempt,
            providerSid: r.sid ?? null,
            at: ctx.now(),
          });
          continue;
        }
        // Recipients by position, never by number: the ledger and logs stay free of phone numbers.
        failures.push(`recipient ${i + 1}: ${r.error}`);
        retryable ||= r.retryable;
        if (r.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, r.retryAfterMs);
      }
      const latencyMs = Math.round(performance.now() - started);
      if (failures.length === 0) return { ok: true, httpStatus: lastStatus, latencyMs };
      return {
        ok: false,
        retryable,
        httpStatus: lastStatus,
        latencyMs,
        error: `${failures.length} of ${channel.to.length} SMS failed: ${failures.join('; ')}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    },
  };
}

/**
 * The SMS text. A group's text is a head line ("3 alerts firing — …") and one line per alert; when
 * it does not fit, whole alert lines are dropped from the end and replaced by "+k more", rather
 * than cutting the last one mid-word.
 */
export function smsBody(job: NotificationJob, maxSegments: number): string {
  const count = job.alerts?.length ?? 1;
  if (count <= 1) return truncateSms(job.text, maxSegments).text;
  const [head = '', ...lines] = job.text.split('\n');
  // A text clipped at the job's 4000-character limit ends in a partial line: leave that one to the count.
  const items = job.text.length >= 4000 && job.text.endsWith('…') ? lines.slice(0, -1) : lines;
  return truncateSmsList(head, items.slice(0, count), count, maxSegments, (k) => `+${k} more`).text;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A non-JSON answer (proxy error page) simply has no sid or code to read.
    return undefined;
  }
}
