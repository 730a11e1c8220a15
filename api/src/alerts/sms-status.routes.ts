import { AppError, ErrorBody, SmsStatusCallback } from '@shelfsense/contracts';
import { recordSmsReceipt, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isValidTwilioSignature } from './twilio-signature.ts';

/** The provider's status callbacks: where SMS_STATUS_CALLBACK_URL (of the processors) points. */
export const SMS_STATUS_CALLBACK_PATH = '/api/callbacks/sms-status';

export interface SmsStatusSettings {
  /**
   * The URL exactly as the processors hand it to the provider (SMS_STATUS_CALLBACK_URL): the
   * provider signs the URL it requested, which behind a proxy is not the one this server sees.
   */
  readonly url: string;
  /** The provider account's auth token; a function so the config never serializes or logs it. */
  readonly authToken: () => string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Form fields in order of arrival (the signature covers every one of them). */
    formFields?: [string, string][];
  }
}

const NoContent = z.null().describe('Recorded');

/**
 * `POST /api/callbacks/sms-status`: a Twilio-compatible provider reports a text's status
 * (queued, sent, delivered, undelivered, failed, …). Outside `/api/v1` and without an API key: the
 * provider proves itself with `X-Twilio-Signature` (HMAC-SHA1 with the account's auth token), and
 * a request that does not verify gets 403 before anything of it is read or stored.
 */
export function smsStatusRoutes(db: Db, settings: SmsStatusSettings, clock: () => Date = () => new Date()): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    // Only in this plugin: the rest of the API takes JSON only.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
      const fields = [...new URLSearchParams(body as string)];
      request.formFields = fields;
      done(null, Object.fromEntries(fields));
    });

    app.post(
      SMS_STATUS_CALLBACK_PATH,
      {
        config: { auth: { public: 'provider-signature' } },
        schema: {
          tags: ['notifications'],
          summary: 'SMS delivery receipts from the provider (Twilio-compatible status callback)',
          description:
            'Form-encoded `MessageSid`, `MessageStatus`, `ErrorCode`, … signed with `X-Twilio-Signature`; 403 when the ' +
            'signature does not verify. The status shows in the delivery ledger (`sms` of the attempt that sent the text).',
          body: SmsStatusCallback,
          response: { 204: NoContent, 400: ErrorBody, 403: ErrorBody, 415: ErrorBody },
        },
        // Before validation: a caller without the signature learns nothing, not even what a valid body looks like.
        // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs async hooks without a done callback
        preValidation: async (request) => {
          const fields = request.formFields ?? [];
          if (!isValidTwilioSignature(settings.authToken(), settings.url, fields, request.headers['x-twilio-signature']))
            throw new AppError('forbidden', 'X-Twilio-Signature does not verify');
        },
      },
      async (request, reply) => {
        const { MessageSid, MessageStatus, ErrorCode } = request.body;
        const current = await recordSmsReceipt(db, {
          providerSid: MessageSid,
          status: MessageStatus,
          errorCode: ErrorCode ?? null,
          at: clock(),
        });
        request.log.info({ messageSid: MessageSid, status: MessageStatus, errorCode: ErrorCode, current }, 'sms status received');
        return reply.code(204).send(null);
      },
    );
  };
}
