import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * The host's device nodes, for --device and --privileged (the policy is
 * src/container/security/devices.ts; this only reads the filesystem).
 */
export interface HostDeviceInfo {
  type: 'c' | 'b';
  major: number;
  minor: number;
  mode: number; // permission bits
  uid: number;
  gid: number;
}

/** glibc's major()/minor() of a dev_t: 32-bit numbers, their low 12/8 bits in bits 8-19/0-7. */
export function splitDev(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return { major, minor };
}

function infoOf(st: Stats): HostDeviceInfo | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { type, ...splitDev(st.rdev), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** The node at p, symlinks followed (Docker resolves a --device symlink first); undefined: not a device. */
export function statDevice(p: string): HostDeviceInfo | undefined {
  return infoOf(statSync(p));
}

/** Every device node under dir, symlinks neither followed nor listed; unreadable entries skipped. */
export function devicesUnder(dir: string, skip: (name: string, isDir: boolean) => boolean = () => false): Array<{ path: string; device: HostDeviceInfo }> {
  const out: Array<{ path: string; device: HostDeviceInfo }> = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const p = path.join(d, name);
      let st: Stats;
      try {
        st = lstatSync(p);
      } catch {
        continue; // vanished meanwhile
      }
      if (skip(name, st.isDirectory())) continue;
      if (st.isDirectory()) walk(p);
      const device = infoOf(st);
      if (device) out.push({ path: p, device });
    }
  };
  walk(dir);
  return out;
}

/**
 * What --privileged passes on of the host's /dev, as Docker (containerd's HostDevices):
 * not the pts/shm/mqueue/fd trees nor LXC's and udev's private dirs, not /dev/console
 * (the container's is its own), and not /dev/ptmx, which stays the link to the container's
 * own pts instance (runc makes it so after creating the devices).
 */
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
const SKIPPED_NODES = new Set(['/dev/console', '/dev/ptmx']);

export function hostDevices(): Array<{ path: string; device: HostDeviceInfo }> {
  return devicesUnder('/dev', (name, isDir) => isDir && SKIPPED_DIRS.has(name)).filter((d) => !SKIPPED_NODES.has(d.path));
}

/** The lookup the device policy works through (src/container/security/devices.ts DeviceLookup). */
export const hostDeviceLookup = {
  device: statDevice,
  devicesUnder: (dir: string) => devicesUnder(dir),
  hostDevices,
};
