import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lsetxattr, mknod, mount, pidfdOpen, pidfdSendSignal, S_IFCHR, statfsType, terminalSize, umount2 } from '../../src/linux/libc.js';

/** The libc calls Node lacks, through ffi-rs, against the real kernel (as root). */
describe('ffi-rs libc bindings', () => {
  it('statfs tells filesystems apart by magic', () => {
    expect(statfsType('/proc')).toBe(0x9fa0);
    expect(statfsType('/sys')).toBe(0x62656572);
    expect(() => statfsType('/no/such/path')).toThrow("statfs '/no/such/path': No such file or directory");
  });

  it('mount and umount2 a tmpfs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'libc-test-'));
    try {
      mount('tmpfs', dir, 'tmpfs', 0, 'size=1m');
      expect(statfsType(dir)).toBe(0x01021994); // TMPFS_MAGIC
      umount2(dir);
      expect(statfsType(dir)).not.toBe(0x01021994);
      expect(() => umount2(dir)).toThrow(/umount '.*': Invalid argument/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

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

  it('ioctl TIOCGWINSZ: no size for a non-terminal', () => {
    expect(terminalSize(999)).toBeUndefined();
  });
});
