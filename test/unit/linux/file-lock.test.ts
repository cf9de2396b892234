import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLock } from '../../../src/linux/file-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store lock', () => {
  it('serialises critical sections', async () => {
    const events: string[] = [];
    const section = (n: number) =>
      withLock(dir, 'x', async () => {
        events.push(`in${n}`);
        await new Promise((r) => setTimeout(r, 20));
        events.push(`out${n}`);
      });
    await Promise.all([section(1), section(2), section(3)]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]?.replace('in', 'out'));
    expect(existsSync(path.join(dir, 'x.lock'))).toBe(false);
  });

  it('breaks a lock left by a dead process', async () => {
    writeFileSync(path.join(dir, 'x.lock'), '999999999 12345');
    await expect(withLock(dir, 'x', async () => 'got it')).resolves.toBe('got it');
  });

  it('releases the lock when the section throws', async () => {
    await expect(withLock(dir, 'x', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(path.join(dir, 'x.lock'))).toBe(false);
  });
});
