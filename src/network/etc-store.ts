import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { errnoCode } from '../util/errors.js';
import { containerDirs } from '../container/store.js';
import { hostHostsFile, hostResolvFile, hostUpstreamResolvConf } from '../linux/network/host-etc.js';
import { hostModeHostsFile, hostsFor, resolvConf } from './etc-files.js';
import { DEFAULT_NETWORK, type ContainerNet } from './records.js';

/**
 * The container's /etc/hosts, /etc/hostname, /etc/resolv.conf: files in its state dir,
 * bind-mounted by the shim. Containers on one user-defined network find each other by
 * name through /etc/hosts (no embedded DNS server), so when one joins or leaves, the hosts
 * files of the others are rewritten — in place, since a rename would leave the bind mount
 * on the old inode.
 */
const ETC_FILES = ['hosts', 'hostname', 'resolv.conf'] as const;

export function etcFilePaths(paths: StatePaths, id: string): Record<string, string> {
  const dir = containerDirs(paths, id).dir;
  return Object.fromEntries(ETC_FILES.map((f) => [`/etc/${f}`, path.join(dir, f)]));
}

async function writeInPlace(file: string, content: string): Promise<void> {
  try {
    await fs.writeFile(file, content, { flag: 'w', mode: 0o644 }); // truncates the same inode
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err; // container removed meanwhile
  }
}

/** Rewrite the hosts files of every container sharing one of these user networks. */
export async function refreshPeers(changedNetworks: string[], all: ContainerNet[]): Promise<void> {
  const user = changedNetworks.filter((n) => n !== DEFAULT_NETWORK);
  if (user.length === 0) return;
  for (const c of all.filter((x) => x.endpoints.some((e) => user.includes(e.network)))) {
    await writeInPlace(path.join(c.dir, 'hosts'), hostsFor(c, all));
  }
}

export interface EtcContent {
  hostname: string;
  hosts: string;
  dns: string[];
  hostMode: boolean;
}

/** Write the three files for a starting container; host mode takes the host's own files. */
export async function writeEtcFiles(paths: StatePaths, id: string, c: EtcContent): Promise<Record<string, string>> {
  const files = etcFilePaths(paths, id);
  const hosts = c.hostMode ? hostModeHostsFile(hostHostsFile(), c.hosts) : c.hosts;
  const resolv = c.hostMode && c.dns.length === 0 ? hostResolvFile() : resolvConf({ hostText: hostUpstreamResolvConf(), dns: c.dns });
  await writeInPlace(files['/etc/hosts'] ?? '', hosts);
  await writeInPlace(files['/etc/hostname'] ?? '', `${c.hostname}\n`);
  await writeInPlace(files['/etc/resolv.conf'] ?? '', resolv);
  return files;
}
