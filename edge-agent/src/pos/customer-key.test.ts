import { describe, expect, it } from 'vitest';
import { customerKey as sut } from './customer-key.ts';

const SALT = 'test-salt-0123456789';
// Independent oracle: `echo -n 919845000000 | openssl dgst -sha256 -hmac 'test-salt-0123456789'`.
const KEY_OF_919845000000 = '0953e232727e6f29f33a57660700354b128571c3dfebb9ca9840063562200c8a';

describe('customerKey', () => {
  it('is the HMAC-SHA256 hex of the phone digits under the salt', () => {
    expect(sut('919845000000', SALT)).toBe(KEY_OF_919845000000);
  });

  it('ignores formatting so one customer gets one key', () => {
    expect(sut('+91 98450 00000', SALT)).toBe(KEY_OF_919845000000);
    expect(sut('+91 98450-00000', SALT)).toBe(KEY_OF_919845000000);
    expect(sut('(91) 9845.000.000', SALT)).toBe(KEY_OF_919845000000);
  });

  it('gives different customers and different salts different keys', () => {
    expect(sut('919845000001', SALT)).not.toBe(KEY_OF_919845000000);
    expect(sut('919845000000', 'other-salt-0123456789')).toBe('4c415f20baf2982dbfcdcce65ed286a1958edd662f974fe27ee193131deed146');
  });

  it('drops the phone when there is no salt, so it is never sent raw', () => {
    expect(sut('919845000000', null)).toBeUndefined();
  });

  it('returns undefined for a missing phone or one with fewer than 6 digits', () => {
    expect(sut(undefined, SALT)).toBeUndefined();
    expect(sut('', SALT)).toBeUndefined();
    expect(sut('12-34-5', SALT)).toBeUndefined();
    expect(sut('n/a', SALT)).toBeUndefined();
    expect(sut('123456', SALT)).toMatch(/^[0-9a-f]{64}$/);
  });
});
