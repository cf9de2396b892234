import path from 'node:path';
import { statePaths, type StatePaths } from '../util/paths.js';
import { listContainerStates, type ContainerState } from '../container/state.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import { isPrivileged, lowerDirsOf, type OciSpec } from '../container/spec.js';
import { readHostConfig } from '../container/hostconfig.js';
import { readImageRecord } from '../image/index-store.js';
import { snapshotDir, treeSize } from '../image/snapshots.js';
import { containerCgroup } from '../linux/cgroups/index.js';
import { readCgroupLimits } from '../linux/cgroups/limits-read.js';
import { namespaceInodes, NAMESPACE_TYPES } from '../linux/proc/namespaces.js';
import { processCgroups } from '../linux/proc/cgroup-membership.js';
import { residentBytes } from '../linux/proc/resident.js';
import { saveRules } from '../linux/network/iptables.js';
import { networkPaths, readEndpoint } from '../network/store.js';
import { ruleTag } from '../network/records.js';
import { inspectContainer, inspectFields, networkModeOf } from './containers.js';
import type {
  AnatomyCgroup, AnatomyLayer, AnatomyMount, AnatomyNamespace, AnatomyNetwork, AnatomySecurity, ContainerAnatomy,
} from './explain-model.js';

export type * from './explain-model.js';

/**
 * `explain CONTAINER`: the anatomy of a container, gathered from where each part really is —
 * the kernel (/proc/<pid>/ns and /proc/<pid>/cgroup beside the host's /proc/1, the cgroup's
 * own files), the store (the image's layers and the snapshot dirs config.json stacks, the
 * upper dir), the network records and the DNAT rules minibox put in iptables, config.json's
 * capabilities and seccomp. A stopped container has no kernel side: what is on disk is shown.
 */
export async function explainContainer(ref: string): Promise<ContainerAnatomy> {
  const paths = statePaths();
  const { state, spec } = await inspectContainer(ref);
  const running = state.status === 'running' && state.pid > 0;
  const dirs = containerDirs(paths, state.id);
  const host = hostNamespaces();
  const [fields, hc, layers, upperBytes] = await Promise.all([
    inspectFields(state, spec),
    readHostConfig(dirs.dir),
    layersOf(paths, state, spec),
    treeSize(dirs.upper).catch(() => 0),
  ]);
  const mounts: AnatomyMount[] = fields.Mounts.map((m) => ({
    type: m.Type,
    ...(m.Name ? { name: m.Name } : {}),
    source: m.Source,
    destination: m.Destination,
    readOnly: !m.RW,
  }));
  return {
    id: state.id,
    name: state.name,
    image: state.image,
    imageId: state.imageId,
    status: state.status,
    running,
    initPid: running ? state.pid : 0,
    monitor: running && state.shimPid > 0 ? { pid: state.shimPid, rssBytes: residentBytes(state.shimPid) } : undefined,
    command: spec.process.args,
    hostname: spec.hostname,
    hostNamespaces: host.ref,
    namespaces: running ? namespacesOf(state.pid, spec, host.inodes) : spec.linux.namespaces.map((n) => ({ type: nsName(n.type), isolated: true })),
    cgroup: running ? cgroupOf(state) : { kind: containerCgroup(state.id).kind, paths: [spec.linux.cgroupsPath], limits: limitsFromSpec(spec) },
    layers,
    upper: { dir: dirs.upper, bytes: upperBytes },
    mounts,
    network: await networkOf(state, spec, hc.network?.network, running),
    security: securityOf(spec),
  };
}

/** The OCI spec's namespace names → the kernel's (/proc/<pid>/ns). */
function nsName(type: string): string {
  return type === 'mount' ? 'mnt' : type === 'network' ? 'net' : type;
}

/**
 * The host's namespaces are init's (/proc/1/ns); where init's are not readable (a sandboxed
 * pid 1), minibox's own, which are the host's: minibox runs on the host, never inside.
 */
export function hostNamespaces(): { ref: string; inodes: ReturnType<typeof namespaceInodes> } {
  const init = namespaceInodes(1);
  if (Object.keys(init).length > 0) return { ref: '/proc/1/ns', inodes: init };
  return { ref: '/proc/self/ns', inodes: namespaceInodes('self') };
}

function namespacesOf(pid: number, spec: OciSpec, host: ReturnType<typeof namespaceInodes>): AnatomyNamespace[] {
  const mine = namespaceInodes(pid);
  const asked = new Set(spec.linux.namespaces.map((n) => nsName(n.type)));
  return NAMESPACE_TYPES.filter((t) => mine[t] !== undefined).map((t) => ({
    type: t,
    inode: mine[t],
    hostInode: host[t],
    isolated: host[t] === undefined ? asked.has(t) : mine[t] !== host[t],
  }));
}

function cgroupOf(state: ContainerState): AnatomyCgroup {
  const cg = containerCgroup(state.id);
  const limits = readCgroupLimits(cg);
  const stats = cg.stats();
  const member = processCgroups(state.pid).filter((m) => m.path.includes(state.id));
  return {
    kind: cg.kind,
    paths: member.length ? [...new Set(member.map((m) => (m.controllers.length ? `${m.controllers.join(',')}:${m.path}` : m.path)))] : cg.joinPaths,
    dirs: cg.joinPaths,
    limits,
    usage: { memoryBytes: stats.memoryUsage, cpuNs: stats.cpuUsageNs, pids: stats.pids, oomKills: stats.oomKills },
  };
}

/** A stopped container's limits: what config.json asks for (its cgroup is gone). */
function limitsFromSpec(spec: OciSpec): AnatomyCgroup['limits'] {
  const r = spec.linux.resources;
  return {
    ...(r.memory?.limit ? { memoryBytes: r.memory.limit } : {}),
    ...(r.cpu?.quota ? { cpuQuotaUs: r.cpu.quota, cpuPeriodUs: r.cpu.period ?? 100000 } : {}),
    ...(r.cpu?.shares ? { cpuShares: r.cpu.shares } : {}),
    ...(r.pids?.limit && r.pids.limit > 0 ? { pids: r.pids.limit } : {}),
  };
}

/**
 * The overlay's lower dirs bottom → top (config.json's record of what was mounted), each
 * matched to the image's layer, with the other containers whose stacks use the same dir.
 */
async function layersOf(paths: StatePaths, state: ContainerState, spec: OciSpec): Promise<AnatomyLayer[]> {
  const record = await readImageRecord(paths, state.imageId).catch(() => undefined);
  const byDir = new Map((record?.layers ?? []).map((l) => [snapshotDir(paths, l.chainId), l]));
  const users = new Map<string, string[]>();
  for (const other of await listContainerStates(paths.containers)) {
    if (other.id === state.id) continue;
    const otherSpec = await readSpec(containerDirs(paths, other.id).dir).catch(() => undefined);
    for (const dir of otherSpec ? lowerDirsOf(otherSpec) : []) users.set(dir, [...(users.get(dir) ?? []), other.name]);
  }
  return lowerDirsOf(spec).map((dir, i) => {
    const l = byDir.get(dir);
    return {
      index: i,
      dir,
      chainId: l?.chainId ?? `sha256:${path.basename(dir)}`,
      ...(l ? { diffId: l.diffId, digest: l.digest, bytes: l.unpackedSize, compressedBytes: l.size } : {}),
      sharedWith: (users.get(dir) ?? []).sort(),
    };
  });
}

async function networkOf(state: ContainerState, spec: OciSpec, flag: string | undefined, running: boolean): Promise<AnatomyNetwork> {
  const mode = networkModeOf(flag, spec);
  const ep = running ? await readEndpoint(networkPaths(), state.id) : undefined;
  if (!ep) return { mode, endpoints: [], ports: [] };
  let rules: string[] = [];
  if (ep.ports.length > 0) {
    const tag = ruleTag(state.id);
    rules = ((await saveRules().catch(() => undefined))?.get('nat') ?? []).filter((l) => l.includes(`--comment ${tag} `));
  }
  const first = ep.endpoints[0];
  return {
    mode,
    endpoints: ep.endpoints.map((e) => ({ network: e.network, bridge: e.bridge, veth: e.veth, ifname: e.ifname, ip: e.ip, prefix: e.prefix, gateway: e.gateway })),
    ports: ep.ports.map((p) => {
      const rule = rules.find((l) => l.includes(` -p ${p.proto} `) && l.includes(` --dport ${p.hostPort} `));
      const to = rule ? /--to-destination (\S+)/.exec(rule)?.[1] : undefined;
      return {
        hostIp: p.hostIp,
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        proto: p.proto,
        ...(rule ? { rule } : {}),
        ...(to ? { dnatTo: to } : first ? { dnatTo: `${first.ip}:${p.containerPort}` } : {}),
      };
    }),
  };
}

function securityOf(spec: OciSpec): AnatomySecurity {
  const seccomp = spec.linux.seccomp;
  return {
    privileged: isPrivileged(spec),
    noNewPrivileges: spec.process.noNewPrivileges === true,
    capabilities: spec.process.capabilities?.bounding.map((c) => c.replace(/^CAP_/, '')) ?? [],
    seccomp: seccomp
      ? {
          defaultAction: seccomp.defaultAction,
          rules: seccomp.syscalls.length,
          syscalls: seccomp.syscalls.reduce((n, r) => n + r.names.length, 0),
        }
      : undefined,
    maskedPaths: spec.linux.maskedPaths.length,
    readonlyPaths: spec.linux.readonlyPaths.length,
    user: `${spec.process.user.uid}:${spec.process.user.gid}`,
  };
}
