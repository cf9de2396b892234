import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { errnoCode } from '../util/errors.js';
import { containerDirs } from '../container/store.js';
import { hostsFile, hostResolvConf, resolvConf, type HostEntry } from '../linux/network/etcfiles.js';
import { DEFAULT_NETWORK, type ContainerNet } from '../linux/network/store.js';

/**
 * The container's /etc/hosts, /etc/hostname, /etc/resolv.conf: files in its state dir,
 * bind-mounted by the shim. Containers on one user-defined network find each other by
 * name through /etc/hosts (no embedded DNS server), so when one joins or leaves, the hosts
 * files of the others are rewritten — in place, since a rename would leave the bind mount
 * on the old inode.
 */
export const ETC_FILES = ['hosts', 'hostname', 'resolv.conf'] as const;

export function etcFilePaths(paths: StatePaths, id: string): Record<string, string> {
  const dir = containerDirs(paths, id).dir;
  return Object.fromEntries(ETC_FILES.map((f) => [`/etc/${f}`, path.join(dir, f)]));
}

/** Name entries of the other containers on c's user-defined networks. */
function peerEntries(c: ContainerNet, all: ContainerNet[]): HostEntry[] {
  const out: HostEntry[] = [];
  for (const mine of c.endpoints.filter((e) => e.network !== DEFAULT_NETWORK)) {
    for (const other of all.filter((o) => o.id !== c.id)) {
      const theirs = other.endpoints.find((e) => e.network === mine.network);
      if (theirs) out.push({ ip: theirs.ip, names: [other.name, ...theirs.aliases, other.id.slice(0, 12)] });
    }
  }
  return out;
}

export function hostsFor(c: ContainerNet, all: ContainerNet[]): string {
  const first = c.endpoints[0];
  const self = first ? { ip: first.ip, names: [c.hostname] } : undefined;
  return hostsFile([...c.extraHosts, ...peerEntries(c, all)], self);
}

async function writeInPlace(file: string, content: string): Promise<void> {
  try {
    await fs.writeFile(file, content, { flag: 'w', mode: 0o644 }); // truncates the same inode
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err; // container removed meanwhile
  }
}

/** Rewrite the hosts files of every container sharing a user network with `changed`. */
export async function refreshPeers(_paths: StatePaths, changedNetworks: string[], all: ContainerNet[]): Promise<void> {
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
  const read = (p: string) => fs.readFile(p, 'utf8').catch(() => '');
  const hosts = c.hostMode ? (await read('/etc/hosts')) + c.hosts.split('\n').slice(6).join('\n') : c.hosts;
  const resolv = c.hostMode && c.dns.length === 0 ? await read('/etc/resolv.conf') : resolvConf({ hostText: hostResolvConf(), dns: c.dns });
  await writeInPlace(files['/etc/hosts'] ?? '', hosts);
  await writeInPlace(files['/etc/hostname'] ?? '', `${c.hostname}\n`);
  await writeInPlace(files['/etc/resolv.conf'] ?? '', resolv);
  return files;
}
