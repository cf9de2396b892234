import { fsNow as fs } from '../util/fs-now.js';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
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
 *
 * Why /etc/hosts and not a DNS responder (aardvark-dns's way), decided for issue #15:
 * every change of a network's membership already passes through Node under the network
 * lock (attach at run/start, release at rm/stop/reconcile, network connect/disconnect),
 * and a restart by the restart policy in the C monitor keeps the endpoint record, its
 * address and its veth name (the shim plugs the same "net.*" records in again), so no
 * view goes stale without a Node process there to fix it; a responder would be one more
 * process per network to keep alive, on port 53 of each gateway. (Gap: the shim's records
 * are the first network's; one added by `network connect` is not plugged in again after
 * such a restart, nor by `start`, while its peers still list the address.) What /etc/hosts cannot
 * do: clients that speak DNS only (busybox nslookup, dig, Node's dns.resolve) do not see
 * the names; programs that cache lookups (JVM, nginx upstreams) cache them just as they
 * would a DNS answer. A container that exits keeps its address reserved, so its name
 * points at no one else until the exit is reconciled (ps, start, rm), which then drops it.
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

/**
 * Rewrite a running container's file without the empty moment of truncate-then-write: a
 * lookup in the container racing the rewrite (a peer polling its db by name) would find no
 * names at all. The new text goes over the old from offset 0 in one write(2), then the
 * file is cut to its length; a reader sees the old text, or the new one (perhaps with an old
 * tail for a moment when it shrank).
 */
function overwriteInPlace(file: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return; // container removed meanwhile
    throw err;
  }
  try {
    const data = Buffer.from(content);
    writeSync(fd, data, 0, data.length, 0);
    ftruncateSync(fd, data.length);
  } finally {
    closeSync(fd);
  }
}

/** Rewrite c's hosts file from the endpoint records (its user networks' members). */
export function rewriteHosts(c: ContainerNet, all: ContainerNet[]): void {
  overwriteInPlace(path.join(c.dir, 'hosts'), hostsFor(c, all));
}

/** Rewrite the hosts files of every container sharing one of these user networks. */
export async function refreshPeers(changedNetworks: string[], all: ContainerNet[]): Promise<void> {
  const user = changedNetworks.filter((n) => n !== DEFAULT_NETWORK);
  if (user.length === 0) return;
  for (const c of all.filter((x) => x.endpoints.some((e) => user.includes(e.network)))) rewriteHosts(c, all);
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
