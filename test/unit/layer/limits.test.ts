import { execFileSync } from 'node:child_process';
import { Readable, pipeline } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYER_LIMITS, layerLimitsFromEnv } from '../../../src/layer/limits.js';
import { filterXattrs, xattrAllowed } from '../../../src/layer/xattr-policy.js';
import { nextSlice, zstdDecompressor } from '../../../src/layer/zstd.js';

describe('layer limits from the environment', () => {
  it('defaults when unset or empty', () => {
    expect(layerLimitsFromEnv({})).toEqual(DEFAULT_LAYER_LIMITS);
    expect(layerLimitsFromEnv({ MINIBOX_MAX_LAYER_BYTES: '' })).toEqual(DEFAULT_LAYER_LIMITS);
    expect(DEFAULT_LAYER_LIMITS).toEqual({ maxBytes: 68719476736, maxEntries: 4194304 });
  });

  it('takes positive whole numbers', () => {
    expect(layerLimitsFromEnv({ MINIBOX_MAX_LAYER_BYTES: '1048576', MINIBOX_MAX_LAYER_ENTRIES: '7' })).toEqual({ maxBytes: 1048576, maxEntries: 7 });
  });

  it.each(['0', '-1', '1.5', '1e6', ' 12', '0x10', '12k', '99999999999999999999'])('refuses %j with the variable named', (v) => {
    expect(() => layerLimitsFromEnv({ MINIBOX_MAX_LAYER_BYTES: v })).toThrow(`invalid MINIBOX_MAX_LAYER_BYTES "${v}": must be a positive whole number`);
    expect(() => layerLimitsFromEnv({ MINIBOX_MAX_LAYER_ENTRIES: v })).toThrow(/invalid MINIBOX_MAX_LAYER_ENTRIES/);
  });
});

describe('xattr policy', () => {
  it.each([
    ['user.mime', true],
    ['security.capability', true],
    ['system.posix_acl_access', true],
    ['system.posix_acl_default', true],
    ['user.overlay.opaque', false],
    ['trusted.overlay.opaque', false],
    ['trusted.overlay.redirect', false],
    ['trusted.md5', false],
    ['security.selinux', false],
    ['security.ima', false],
    ['security.evm', false],
    ['system.nfs4_acl', false],
    ['unknown', false],
  ])('%s → %s', (name, ok) => {
    expect(xattrAllowed(name)).toBe(ok);
  });

  it('returns the same map when all pass, a filtered copy otherwise, undefined when empty', () => {
    const keep = new Map([['user.a', Buffer.from('1')]]);
    expect(filterXattrs(keep, () => {})).toBe(keep);
    const dropped: string[] = [];
    const mixed = new Map([['user.a', Buffer.from('1')], ['trusted.overlay.opaque', Buffer.from('y')]]);
    expect([...(filterXattrs(mixed, (n) => dropped.push(n)) ?? new Map()).keys()]).toEqual(['user.a']);
    expect(mixed.size).toBe(2); // the input is not changed
    expect(dropped).toEqual(['trusted.overlay.opaque']);
    expect(filterXattrs(new Map([['security.selinux', Buffer.from('x')]]), () => {})).toBeUndefined();
  });
});

describe('zstd backpressure', () => {
  it('slices shrink when a push inflates past the target and grow back when it does not', () => {
    expect(nextSlice(1024, 32 * 1024 * 1024)).toBe(128);
    expect(nextSlice(64 * 1024, 8 * 1024 * 1024)).toBe(32 * 1024);
    expect(nextSlice(1024, 4096)).toBe(2048);
    expect(nextSlice(128 * 1024, 100)).toBe(128 * 1024);
    expect(nextSlice(16 * 1024, 2 * 1024 * 1024)).toBe(16 * 1024);
  });

  it('decodes a bomb only as fast as it is read', async () => {
    // 1 GiB of zeros is ~32 KB of zstd; reading three chunks must not inflate the rest
    const bomb = execFileSync('sh', ['-c', 'head -c 1G /dev/zero | zstd -q -c'], { maxBuffer: 1 << 24 });
    const before = process.memoryUsage().arrayBuffers;
    const out = pipeline(Readable.from([bomb]), await zstdDecompressor('bomb'), () => {});
    let read = 0;
    let chunks = 0;
    for await (const c of out) {
      read += (c as Buffer).length;
      if (++chunks === 3) break;
    }
    await new Promise((r) => setTimeout(r, 50)); // a pushing decoder would fill memory meanwhile
    expect(read).toBeGreaterThan(0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(96 * 1024 * 1024);
  });
});
