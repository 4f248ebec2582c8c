import { describe, expect, it } from 'vitest';
import { jwtExpiry } from './token-authenticator.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('jwtExpiry', () => {
  it('reads a JWT exp claim as epoch milliseconds', () => {
    expect(jwtExpiry(`${part({ alg: 'RS256' })}.${part({ sub: 'x', exp: 1_800_000_000 })}.c2ln`)).toBe(1_800_000_000_000);
  });

  it('is null for opaque tokens, undecodable payloads and a missing or non-numeric exp', () => {
    expect(jwtExpiry('abcdef0123456789')).toBeNull();
    expect(jwtExpiry('a.b.c')).toBeNull();
    expect(jwtExpiry(`${part({})}.${part({ sub: 'x' })}.sig`)).toBeNull();
    expect(jwtExpiry(`${part({})}.${part({ exp: '1800000000' })}.sig`)).toBeNull();
    expect(jwtExpiry(`${part({})}.${part(null)}.sig`)).toBeNull();
  });
});
