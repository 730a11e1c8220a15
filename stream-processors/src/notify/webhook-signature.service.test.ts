import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from './webhook-signature.service.ts';

describe('signatureHeader', () => {
  const body = '{"id":"ntf:a:1:ch"}';

  it('signs "<t>.<body>" with HMAC-SHA256 as t=…,v1=…', () => {
    const expected = createHmac('sha256', 'whsec_current_123456').update(`1762074000.${body}`).digest('hex');
    expect(signatureHeader(body, ['whsec_current_123456'], 1762074000)).toBe(`t=1762074000,v1=${expected}`);
  });

  it('adds one v1 per secret during a rotation, current first', () => {
    const h = signatureHeader(body, ['new-secret-0123456', 'old-secret-0123456'], 1762074000);
    const parts = h.split(',');
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(`v1=${createHmac('sha256', 'new-secret-0123456').update(`1762074000.${body}`).digest('hex')}`);
    expect(parts[2]).toBe(`v1=${createHmac('sha256', 'old-secret-0123456').update(`1762074000.${body}`).digest('hex')}`);
  });
});
