import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lsetxattr, mknod, pidfdOpen, pidfdSendSignal } from '../../src/linux/libc.js';
import { S_IFCHR } from '../../src/layer/syscalls.js';

/** The libc calls Node lacks, through ffi-rs, against the real kernel (as root). */
describe('ffi-rs libc bindings', () => {
  it('mknod makes an overlay whiteout and lsetxattr marks an opaque dir', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'libc-test-'));
    try {
      mknod(path.join(dir, 'wh'), S_IFCHR, 0, 0);
      const st = statSync(path.join(dir, 'wh'));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0);
      expect(() => lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'))).not.toThrow();
      expect(() => mknod(path.join(dir, 'wh'), S_IFCHR, 0, 0)).toThrow(/File exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pidfd_open + pidfd_send_signal signal exactly the process they opened', async () => {
    const child = spawn('sleep', ['30']);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const fd = pidfdOpen(child.pid ?? 0);
    pidfdSendSignal(fd, 15);
    expect(await exited).toBe('SIGTERM');
    // the process is gone: the pidfd refers to it, never to a recycled pid
    expect(() => pidfdSendSignal(fd, 0)).toThrow(/No such process/);
    closeSync(fd);
  });
});
