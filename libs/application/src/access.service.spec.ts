import { describe, expect, it } from 'vitest';
import { sameSecret } from './access.service.js';

describe('sameSecret', () => {
  it('accepts only the identical secret, whatever the lengths', () => {
    const secret = 'flt_bootstrap-0123456789abcdef';
    expect(sameSecret(secret, secret)).toBe(true);
    expect(sameSecret(`${secret.slice(0, -1)}0`, secret)).toBe(false);
    expect(sameSecret(secret.slice(0, 5), secret)).toBe(false);
    expect(sameSecret(`${secret}x`, secret)).toBe(false);
    expect(sameSecret('', secret)).toBe(false);
  });
});
