// A stand-in for a Twilio-compatible SMS provider: the Messages API (basic auth, form fields, JSON
// answers like Twilio's) and, when a message names a StatusCallback, the delivery receipts Twilio
// POSTs there afterwards — form-encoded and signed with X-Twilio-Signature (base64 HMAC-SHA1 with
// the auth token over the URL followed by the sorted parameter names and values). Real HTTP on
// 127.0.0.1. The signing here is written independently of the api's checker on purpose.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentSms {
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly statusCallback: string | null;
}

export interface SmsCallbackSent {
  readonly sid: string;
  readonly status: string;
  /** The callback receiver's answer; null when the request itself failed. */
  readonly httpStatus: number | null;
}

export interface SmsProviderStandIn {
  /** e.g. http://127.0.0.1:41234 (what SMS_BASE_URL takes). */
  readonly baseUrl: string;
  /** Every request to the Messages API (answered or refused). */
  readonly requests: { readonly path: string; readonly authorization: string | undefined; readonly at: number }[];
  /** Messages accepted (201), in order. */
  readonly sent: SentSms[];
  /** Status callbacks made, in order. */
  readonly callbacks: SmsCallbackSent[];
  /** Resolves once every callback started so far has been answered. */
  callbacksSettled(): Promise<void>;
  close(): Promise<void>;
}

/** X-Twilio-Signature of a POST of `params` to `url`. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** A final status and its Twilio error code (30003: unreachable destination handset). */
const ERROR_CODES: Record<string, string> = { undelivered: '30003', failed: '30008' };

export async function startSmsProviderStandIn(opts: {
  accountSid: string;
  authToken: string;
  /** n-th request (0-based), number → an error status to answer instead of accepting. */
  fail?: (n: number, to: string) => number | undefined;
  /** Statuses reported for an accepted message, in order; default queued, sent, delivered. */
  receipts?: (to: string, sid: string) => readonly string[];
}): Promise<SmsProviderStandIn> {
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const requests: SmsProviderStandIn['requests'] = [];
  const sent: SentSms[] = [];
  const callbacks: SmsCallbackSent[] = [];
  const pending = new Set<Promise<void>>();
  let next = 0;

  const report = async (sms: SentSms & { statusCallback: string }) => {
    for (const status of opts.receipts?.(sms.to, sms.sid) ?? ['queued', 'sent', 'delivered']) {
      const params: Record<string, string> = {
        AccountSid: opts.accountSid,
        ApiVersion: '2010-04-01',
        From: sms.from,
        MessageSid: sms.sid,
        MessageStatus: status,
        SmsSid: sms.sid,
        SmsStatus: status,
        To: sms.to,
        ...(ERROR_CODES[status] === undefined ? {} : { ErrorCode: ERROR_CODES[status] }),
      };
      let httpStatus: number | null = null;
      try {
        const res = await fetch(sms.statusCallback, {
          method: 'POST',
          body: new URLSearchParams(params),
          headers: { 'x-twilio-signature': signTwilioRequest(opts.authToken, sms.statusCallback, params) },
        });
        await res.arrayBuffer();
        httpStatus = res.status;
      } catch {
        httpStatus = null; // recorded as a failed callback; Twilio would not retry it either
      }
      callbacks.push({ sid: sms.sid, status, httpStatus });
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = requests.length;
      const path = req.url ?? '';
      requests.push({ path, authorization: req.headers.authorization, at: Date.now() });
      const answer = (status: number, body: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers.authorization !== expectedAuth) return answer(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (req.method !== 'POST' || path !== `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`)
        return answer(404, { code: 20404, status: 404 });
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      const failWith = opts.fail?.(n, to);
      // Twilio's error messages quote the number: the notifier must not store them.
      if (failWith !== undefined) return answer(failWith, { code: 20500, message: `An internal error occurred for ${to}`, status: failWith });
      const sid = `SM${String(++next).padStart(32, '0')}`;
      const sms: SentSms = { sid, to, from: form.get('From') ?? '', body: form.get('Body') ?? '', statusCallback: form.get('StatusCallback') };
      sent.push(sms);
      answer(201, { sid, status: 'queued', to });
      const { statusCallback } = sms;
      if (statusCallback !== null) {
        // After the answer, as Twilio does: a receipt may still beat the sender's own bookkeeping.
        const p = report({ ...sms, statusCallback }).finally(() => pending.delete(p));
        pending.add(p);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    sent,
    callbacks,
    callbacksSettled: async () => {
      while (pending.size > 0) await Promise.all(pending);
    },
    close: async () => {
      await Promise.all(pending);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
