import { describe, expect, it } from 'vitest';
import { registryError, retryAfterSeconds, type ErrorContext } from '../../../src/registry/errors.js';
import { MiniboxError } from '../../../src/util/errors.js';

const body = (code: string, message: string): string => JSON.stringify({ errors: [{ code, message, detail: {} }] });
const fail = (status: number, b = '', retryAfter: string | null = null) => ({ status, statusText: status === 404 ? 'Not Found' : 'Unauthorized', retryAfter, body: b });
const pull: ErrorContext = { op: 'manifest', name: 'busybox', reference: 'nosuch', anonymous: true };

describe('registry error mapping', () => {
  it('hides unknown and private repositories behind one message', () => {
    const denied = "pull access denied for busybox, repository does not exist or may require 'minibox login'";
    expect(registryError(fail(404, body('NAME_UNKNOWN', 'repository name not known to registry')), pull).message).toBe(denied);
    expect(registryError(fail(401, body('UNAUTHORIZED', 'authentication required')), pull).message).toBe(denied);
    expect(registryError(fail(403, body('DENIED', 'requested access to the resource is denied')), pull).message).toBe(denied);
    expect(registryError(fail(401), pull).message).toBe(denied);
  });

  it("words an unknown tag or digest as Docker does", () => {
    expect(registryError(fail(404, body('MANIFEST_UNKNOWN', 'manifest unknown')), pull).message).toBe(
      'manifest for busybox:nosuch not found: manifest unknown: manifest unknown',
    );
    const byDigest = { ...pull, reference: `sha256:${'a'.repeat(64)}` };
    expect(registryError(fail(404, body('MANIFEST_UNKNOWN', 'manifest unknown')), byDigest).message).toBe(
      `manifest for busybox@sha256:${'a'.repeat(64)} not found: manifest unknown: manifest unknown`,
    );
  });

  it('explains rate limits with the wait and the login hint', () => {
    const b = body('TOOMANYREQUESTS', 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit');
    const err = registryError({ status: 429, statusText: 'Too Many Requests', retryAfter: '21600', body: b }, pull);
    expect(err).toBeInstanceOf(MiniboxError);
    expect(err.message).toMatch(/^toomanyrequests: You have reached your pull rate limit\. .*increase-rate-limit\. Retry after 21600 s\. /);
    expect(err.message).toContain("'minibox login' raises it");
    const logged = registryError({ status: 429, statusText: '', retryAfter: null, body: '' }, { ...pull, anonymous: false });
    expect(logged.message).toBe('toomanyrequests: You have reached your pull rate limit. Retry later.');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('42')).toBe(42);
    expect(retryAfterSeconds(new Date(1_000_000 + 30_000).toUTCString(), 1_000_000)).toBe(30);
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });

  it('falls back to the registry codes, then to the HTTP status', () => {
    const blob: ErrorContext = { op: 'blob', name: 'x', reference: 'sha256:ab', anonymous: true };
    expect(registryError(fail(404, body('BLOB_UNKNOWN', 'blob unknown to registry')), blob).message).toBe(
      'blob sha256:ab not found in x: blob unknown: blob unknown to registry',
    );
    const push: ErrorContext = { op: 'push', name: 'x', anonymous: true };
    expect(registryError(fail(400, body('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry')), push).message).toBe(
      'manifest blob unknown: blob unknown to registry',
    );
    expect(registryError({ status: 502, statusText: 'Bad Gateway', retryAfter: null, body: '<html>' }, push).message).toBe(
      'received unexpected HTTP status: 502 Bad Gateway',
    );
  });
});
