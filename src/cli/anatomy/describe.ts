import type { ContainerAnatomy, AnatomyLayer } from '../../engine/explain.js';
import { formatBytes } from '../format/bytes.js';
import type { TreeNode } from './tree.js';

/**
 * A container's anatomy as the tree `explain` prints: processes, namespaces beside the
 * host's, the cgroup's limits and usage, the overlay from the upper dir down to the bottom
 * layer, mounts, the network path of each published port, and the confinement. Pure.
 */

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
const size = (n: number | undefined): string => (n === undefined ? '?' : formatBytes(n, 'iec'));

export function layerLabel(l: AnatomyLayer): string {
  return `layer ${l.index}  ${shortId(l.diffId ?? l.chainId)}`;
}

function cpuLimit(a: ContainerAnatomy): string {
  const { cpuQuotaUs: q, cpuPeriodUs: p, cpuShares, cpuWeight } = a.cgroup.limits;
  const parts: string[] = [];
  if (q && p) parts.push(`limit ${+(q / p).toFixed(2)} CPU (${q} µs per ${p} µs)`);
  else parts.push('no quota');
  if (cpuShares !== undefined && cpuShares !== 1024) parts.push(`shares ${cpuShares}`);
  if (cpuWeight !== undefined && cpuWeight !== 100) parts.push(`weight ${cpuWeight}`);
  return parts.join(', ');
}

/** v1's "controller:path" lines, one per path: "/minibox/<id>  (memory cpu pids …)". */
export function cgroupPaths(paths: string[]): string[] {
  const byPath = new Map<string, string[]>();
  for (const p of paths) {
    const i = p.indexOf(':/');
    const [ctrl, where] = i > 0 ? [p.slice(0, i), p.slice(i + 1)] : ['', p];
    byPath.set(where, [...(byPath.get(where) ?? []), ...(ctrl ? [ctrl] : [])]);
  }
  return [...byPath].map(([where, ctrls]) => (ctrls.length ? `${where}  (${ctrls.join(' ')})` : where));
}

function cgroupNode(a: ContainerAnatomy): TreeNode {
  const { limits, usage } = a.cgroup;
  const mem = `memory  ${usage ? `${size(usage.memoryBytes)} used` : 'not running'}, ${limits.memoryBytes !== undefined ? `limit ${size(limits.memoryBytes)}` : 'no limit'}${usage?.oomKills ? `, ${usage.oomKills} OOM kills` : ''}`;
  const cpu = `cpu     ${usage ? `${(usage.cpuNs / 1e9).toFixed(2)} s used, ` : ''}${cpuLimit(a)}`;
  const pids = `pids    ${usage ? `${usage.pids} running, ` : ''}${limits.pids !== undefined ? `limit ${limits.pids}` : 'no limit'}`;
  return {
    text: `cgroup ${a.cgroup.kind}${a.running ? '' : ' (config.json; the cgroup exists only while running)'}`,
    tone: 'head',
    children: [...cgroupPaths(a.cgroup.paths).map((p) => ({ text: p, tone: 'dim' as const })), { text: mem }, { text: cpu }, { text: pids }],
  };
}

function namespacesNode(a: ContainerAnatomy): TreeNode {
  const width = Math.max(0, ...a.namespaces.map((n) => String(n.inode ?? '').length));
  return {
    text: a.running ? `namespaces  (container /proc/${a.initPid}/ns ↔ host ${a.hostNamespaces})` : 'namespaces  (asked for in config.json)',
    tone: 'head',
    children: a.namespaces.map((n) => {
      if (n.inode === undefined) return { text: `${n.type.padEnd(7)} ${n.isolated ? 'new' : 'shared with the host'}`, tone: n.isolated ? ('new' as const) : ('shared' as const) };
      const rel = n.isolated ? '≠' : '=';
      const verdict = n.isolated ? 'new' : 'shared with the host';
      return { text: `${n.type.padEnd(7)} ${String(n.inode).padStart(width)} ${rel} ${n.hostInode ?? '?'}  ${verdict}`, tone: n.isolated ? ('new' as const) : ('shared' as const) };
    }),
  };
}

function storageNode(a: ContainerAnatomy): TreeNode {
  const total = a.layers.reduce((n, l) => n + (l.bytes ?? 0), 0);
  const layers = [...a.layers].reverse().map((l) => ({
    text: `${layerLabel(l)}  ${size(l.bytes).padStart(9)}  ${l.dir}${l.sharedWith.length ? `\nshared with: ${l.sharedWith.join(', ')}` : '\nused by no other container'}`,
    tone: l.sharedWith.length ? ('shared' as const) : undefined,
  }));
  return {
    text: `filesystem  overlay, top → bottom (image ${size(total)} in ${a.layers.length} read-only layer${a.layers.length === 1 ? '' : 's'})`,
    tone: 'head',
    children: [
      { text: `upper dir  ${size(a.upper.bytes).padStart(9)}  ${a.upper.dir}\nthe container's own writes (copy-up); removed with the container`, tone: 'new' },
      ...layers,
    ],
  };
}

function mountsNode(a: ContainerAnatomy): TreeNode {
  return {
    text: `mounts and volumes (${a.mounts.length})`,
    tone: 'head',
    children: a.mounts.map((m) => ({
      text: `${m.type}${m.name ? ` ${m.name}` : ''} → ${m.destination} (${m.readOnly ? 'ro' : 'rw'})  ${m.source}`,
    })),
  };
}

function networkNode(a: ContainerAnatomy): TreeNode {
  const n = a.network;
  const children: TreeNode[] = [];
  for (const e of n.endpoints) {
    children.push({ text: `${e.ifname} ${e.ip}/${e.prefix} on ${e.network}: bridge ${e.bridge} (gateway ${e.gateway}) ↔ veth ${e.veth} ↔ ${e.ifname} in the netns` });
  }
  const first = n.endpoints[0];
  for (const p of n.ports) {
    const path = [`host ${p.hostIp}:${p.hostPort}/${p.proto}`, `DNAT → ${p.dnatTo ?? '?'}`];
    if (first) path.push(`bridge ${first.bridge}`, `veth ${first.veth}`, `${first.ifname} ${first.ip}:${p.containerPort}`);
    children.push({ text: path.join(' → '), tone: 'new', children: p.rule ? [{ text: `iptables -t nat ${p.rule}`, tone: 'dim' }] : [] });
  }
  if (!a.running) children.push({ text: 'not running: no address, no published port', tone: 'dim' });
  else if (n.endpoints.length === 0) children.push({ text: n.mode === 'host' ? "the host's own network namespace" : 'no interface but lo', tone: 'dim' });
  return { text: `network  ${n.mode}`, tone: 'head', children };
}

function securityNode(a: ContainerAnatomy): TreeNode {
  const s = a.security;
  const sc = s.seccomp;
  return {
    text: 'confinement',
    tone: 'head',
    children: [
      { text: `user ${s.user}${s.privileged ? ', privileged' : ''}${s.noNewPrivileges ? ', no-new-privileges' : ''}` },
      { text: `capabilities (${s.capabilities.length}): ${s.capabilities.join(' ') || 'none'}` },
      { text: sc ? `seccomp: default ${sc.defaultAction}, ${sc.rules} rules naming ${sc.syscalls} syscalls` : 'seccomp: unconfined', tone: sc ? undefined : 'warn' },
      { text: `${s.maskedPaths} masked paths, ${s.readonlyPaths} read-only paths in /proc and /sys` },
    ],
  };
}

export function anatomyTree(a: ContainerAnatomy): TreeNode {
  const procs: TreeNode = {
    text: 'processes',
    tone: 'head',
    children: a.running
      ? [
          { text: `monitor pid ${a.monitor?.pid ?? '?'} (minibox-shim)${a.monitor?.rssBytes !== undefined ? `, RSS ${size(a.monitor.rssBytes)}` : ''}` },
          { text: `init pid ${a.initPid} (pid 1 inside): ${a.command.join(' ')}` },
        ]
      : [{ text: `not running (${a.status}); command: ${a.command.join(' ')}`, tone: 'warn' }],
  };
  return {
    text: `container ${a.name} (${shortId(a.id)})  ${a.status}  image ${a.image} (${shortId(a.imageId)})  hostname ${a.hostname}`,
    tone: 'head',
    children: [procs, namespacesNode(a), cgroupNode(a), storageNode(a), mountsNode(a), networkNode(a), securityNode(a)],
  };
}
