import { createHmac } from 'node:crypto';

/**
 * Salted hash of a phone number (HMAC-SHA256 with the store's salt) so repeat customers can be
 * counted without raw PII leaving the store. Digits only, so "+91 98450-00000" and "919845000000"
 * are the same customer; undefined when the phone is empty or there is no salt.
 */
export function customerKey(phone: string | undefined, salt: string | null): string | undefined {
  if (salt === null || phone === undefined) return undefined;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return undefined;
  return createHmac('sha256', salt).update(digits).digest('hex');
}
