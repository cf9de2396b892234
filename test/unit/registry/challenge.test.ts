import { describe, expect, it } from 'vitest';
import { findChallenge, parseChallenges } from '../../../src/registry/challenge.js';

describe('WWW-Authenticate parsing', () => {
  it("parses Docker Hub's bearer challenge", () => {
    const h = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/mysql:pull"';
    expect(parseChallenges(h)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/mysql:pull' } },
    ]);
  });

  it('keeps commas, spaces and escapes inside quoted values', () => {
    const h = 'Bearer realm="https://a/token",scope="repository:x/y:pull,push repository:z:pull",error="insufficient_scope",note="say \\"hi\\""';
    const [c] = parseChallenges(h);
    expect(c?.params['scope']).toBe('repository:x/y:pull,push repository:z:pull');
    expect(c?.params['error']).toBe('insufficient_scope');
    expect(c?.params['note']).toBe('say "hi"');
  });

  it('splits several challenges and lower-cases schemes and keys', () => {
    const h = 'Basic realm="Registry Realm", BEARER Realm="https://t/token", Service=reg';
    expect(parseChallenges(h)).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://t/token', service: 'reg' } },
    ]);
    expect(findChallenge(h, 'bearer')?.params['service']).toBe('reg');
    expect(findChallenge(h, 'basic')?.params['realm']).toBe('Registry Realm');
  });

  it('tolerates spaces around "=" and unquoted tokens', () => {
    expect(parseChallenges('Bearer realm = "https://r" , service = hub')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://r', service: 'hub' } },
    ]);
  });

  it('survives empty and malformed headers', () => {
    expect(parseChallenges('')).toEqual([]);
    expect(findChallenge(null, 'bearer')).toBeUndefined();
    expect(parseChallenges('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
    expect(parseChallenges('Negotiate')).toEqual([{ scheme: 'negotiate', params: {} }]);
  });
});
