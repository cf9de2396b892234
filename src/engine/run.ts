import { hostname as hostHostname } from 'node:os';
import { FORWARDED_SIGNALS, signalNumber } from '../linux/signals.js';
import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { mark } from '../util/trace.js';
import { allSettledOrThrow } from '../util/command.js';
import { findImage, resolveImageForRun } from '../image/resolve.js';
import { resolveProcess } from '../container/resolve-process.js';
import { buildSpec, type OciSpec } from '../container/spec.js';
import { createContainer, newContainerId, removeContainerFiles, type ContainerDirs } from '../container/store.js';
import { readContainerState, writeContainerState, type ContainerState } from '../container/state.js';
import { parseResources, type ResourceFlags } from '../container/resources.js';
import { hostConfigOf, saysMoreThanDefaults, writeHostConfig } from '../container/hostconfig.js';
import { checkHealthFlags, requestedHealthcheck, resolveHealth, type HealthFlags } from '../container/health.js';
import type { ShimConfig, ShimOutput } from '../linux/shim.js';
import { processStartTime } from '../linux/proc/liveness.js';
import type { ContainerCgroup, Limits } from '../linux/cgroups/index.js';
import { hostFacts } from '../linux/host.js';
import { hostDeviceLookup } from '../linux/devices.js';
import { deviceRulesOf, planDevices } from '../container/security/devices.js';
import { containerSecurity, type SecurityOpt } from '../container/security/confinement.js';
import { kernelSecurityFacts } from '../linux/kernel-facts.js';
import { ociMountOf, prepareBindSources, type MountFlags, type MountRequest } from '../container/mounts.js';
import { planRunMounts, removeAnonymousVolumes, resolveVolumeMounts } from './volumes.js';
import { applyProcessFlags, readRunFiles, type ProcessRunFlags, type RunFiles } from './run-process.js';

export { parseSecurityOpt, type SecurityOpt } from '../container/security/confinement.js';
export type { HealthFlags } from '../container/health.js';
import type { PullListener, PullPolicy } from './pull.js';
import { planEnv, type NetworkFlags, type NetworkPlan } from './network.js';
import { shimConfigFor } from './shim-config.js';
import { defaultDrivers, type EngineDrivers, type ShimLauncher } from './drivers.js';

/**
 * `minibox run` in the foreground, top to bottom like bocker:
 * resolve image → create the container record → start the shim → forward signals → wait
 * → record the exit → remove it when --rm.
 */
export interface RunRequest extends ProcessRunFlags {
  image: string;
  command: string[];
  name?: string;
  env: string[];
  entrypoint?: string;
  workdir?: string;
  hostname?: string;
  interactive: boolean;
  autoRemove: boolean;
  pull?: PullPolicy; // when to pull the image: missing (default), always, never
  platform?: string;
  onPullEvent?: PullListener;
  resources: ResourceFlags;
  network?: NetworkFlags; // --network, -p, -P, --link, --dns, --add-host
  detach?: boolean; // -d: a C monitor keeps the container (engine/launch-detached.ts)
  tty?: boolean; // -t: a pty
  restart?: string; // --restart policy, carried out by the monitor
  onDetached?: (id: string) => void; // -d: told the id once the container runs
  devices?: string[]; // --device HOST[:CTR][:rwm]
  privileged?: boolean; // --privileged (devices: every host node, the cgroup allows all)
  capAdd?: string[]; // --cap-add
  capDrop?: string[]; // --cap-drop
  securityOpt?: SecurityOpt[]; // --security-opt, a seccomp=FILE already read by the CLI
  onWarning?: (message: string) => void; // e.g. no device cgroup on this host
  mounts?: MountFlags; // -v, --mount, --tmpfs, --read-only
  volumesFrom?: string[]; // --volumes-from C[:ro|rw]
  user?: string; // -u name|uid[:group|gid]
  health?: HealthFlags; // --health-*, --no-healthcheck (over the image's HEALTHCHECK)
  onCreated?: (id: string) => void; // build: told the id once the record exists (` ---> Running in <id>`)
  output?: ShimOutput; // foreground: the container's stdout and stderr go here, not to ours (build -q)
}

export async function runContainer(req: RunRequest, drivers: EngineDrivers = defaultDrivers()): Promise<number> {
  mark('run: start');
  const paths = statePaths();
  const files = await readRunFiles(req, process.env); // --env-file, --label-file: before any pull
  const planned = planRunMounts(req.mounts ?? { volumes: [], mounts: [], tmpfs: [], readOnly: false });
  checkHealthFlags(req.health ?? {}); // bad flags fail before any pull
  const image = await imageFor(paths, req);
  mark('image resolved');
  const id = newContainerId();
  // validated before anything is created: bad flags leave nothing behind
  const net = await drivers.network.plan(paths, req.network ?? {}, image.config.config);
  const health = resolveHealth(image.config.config.Healthcheck, req.health ?? {});
  const healthcheck = requestedHealthcheck(image.config.config.Healthcheck, req.health ?? {}); // inspect's Config.Healthcheck
  // named/anonymous volumes → binds of their _data (engine/volumes.ts); removed again if the record is not made
  const volumes = await resolveVolumeMounts(paths, planned, { volumes: image.config.config.Volumes, lowerDirs: image.snapshotDirs }, req.volumesFrom ?? []);
  const { spec, limits, state, dirs } = await volumes.undoIfFails(async () => {
    const { spec, limits } = specFor(id, req, image, net, volumes.mounts, files);
    await prepareBindSources(volumes.mounts); // last before the record: a missing --mount source leaves nothing
    const made = await createContainer(paths, {
      id,
      ...(req.name !== undefined ? { name: req.name } : {}),
      image: image.ref,
      imageId: image.imageId,
      autoRemove: req.autoRemove,
      spec: () => spec,
    });
    return { spec, limits, ...made };
  });
  const hostname = spec.hostname;
  mark('container created');
  req.onCreated?.(id);
  let netRecords: string[];
  try {
    netRecords = await drivers.network.attach(paths, { id, name: state.name, hostname }, net);
  } catch (err) {
    await removeContainerFiles(paths, id); // a port in use: no half-made container
    await removeAnonymousVolumes(paths, spec);
    throw err;
  }
  mark('network attached');
  const cgroup = drivers.cgroups(id);
  let detached = false;
  let held: HeldShim | undefined; // the shim, still holding the container's netns
  let setupFailed = false; // the shim refused it (e.g. an unknown -u user): no record left, like a bad flag
  try {
    cgroup.create();
    cgroup.apply(limits);
    cgroup.applyDevices(deviceRulesOf(spec.linux.resources));
    if (cgroup.deviceControl === 'none') req.onWarning?.('no device cgroup on this host; device access is not restricted');
    const config = shimConfigFor(id, spec, dirs, cgroup, netRecords, {
      tty: req.tty === true,
      stdin: req.interactive,
      nshold: !req.detach && net.mode === 'bridge',
      ...(health ? { health, statedir: dirs.dir } : {}), // the foreground monitor checks too (-d: launchDetached's)
    });
    const stopSignal = req.stopSignal ?? image.config.config.StopSignal;
    if (req.detach) {
      const { launchDetached } = await import('./launch-detached.js');
      await launchDetached(dirs, state, config, cgroup, hostConfigOf(req, stopSignal, health, healthcheck), drivers.shim);
      detached = true;
      req.onDetached?.(id);
      return 0;
    }
    // what `start` needs to run this container again the same way (and inspect shows)
    // (a foreground run is never restarted: no monitor outlives it to do so)
    const hc = hostConfigOf({ ...req, restart: 'no' }, stopSignal, health, healthcheck);
    if (!req.autoRemove || saysMoreThanDefaults(hc)) await writeHostConfig(dirs.dir, hc);
    const waited = await startAndWait(state, dirs, cgroup, config, req.interactive || req.tty === true, drivers.shim, req.output).catch((err: unknown) => {
      setupFailed = err instanceof MiniboxError && err.exitCode === 125;
      throw err;
    });
    held = waited.held;
    return waited.status;
  } finally {
    // detached: the monitor removes the cgroup when the container is gone for good; rm the rest.
    // The three are independent; side by side the network's kernel waits hide the others.
    mark('container done');
    try {
      if (!detached) {
        await allSettledOrThrow([drivers.network.release(paths, id), cgroup.remove(), req.autoRemove || setupFailed ? removeContainerFiles(paths, id).then(() => removeAnonymousVolumes(paths, spec)) : undefined]);
      }
    } finally {
      mark('cleaned up');
      await held?.release();
    }
  }
}

/** The image to run, pulled first when the policy says so (or it is missing). */
async function imageFor(paths: StatePaths, req: RunRequest): Promise<RunImage> {
  if (req.pull === 'always' || !(await findImage(paths, req.image))) {
    // loaded only when needed: the registry client is not part of a plain run's start-up cost
    await (await import('./pull.js')).ensureImage(req, paths);
  }
  return resolveImageForRun(paths, req.image);
}

type RunImage = Awaited<ReturnType<typeof resolveImageForRun>>;

/** The container's config.json: the image's process with the flags over it, link variables first. */
function specFor(id: string, req: RunRequest, image: RunImage, net: NetworkPlan, mounts: MountRequest[], files: RunFiles): { spec: OciSpec; limits: Limits } {
  const hostname = req.hostname ?? (net.mode === 'host' ? hostHostname() : id.slice(0, 12));
  const env = [...planEnv(net, req.name ?? id.slice(0, 12)), ...files.env, ...req.env];
  const proc = resolveProcess(image.config.config, { ...req, env, hostname }, process.env);
  const limits = parseResources(req.resources, hostFacts());
  const devices = planDevices({ devices: req.devices ?? [], privileged: req.privileged === true }, hostDeviceLookup);
  const security = containerSecurity(
    { capAdd: req.capAdd ?? [], capDrop: req.capDrop ?? [], privileged: req.privileged === true, securityOpt: req.securityOpt ?? [] },
    kernelSecurityFacts(),
  );
  const spec = buildSpec({ id, process: proc, hostname, terminal: req.tty === true, imageRef: image.ref, imageId: image.imageId, lowerDirs: image.snapshotDirs, limits, devices, security, mounts: mounts.map(ociMountOf), readonlyRootfs: req.mounts?.readOnly === true });
  return { spec: applyProcessFlags(spec, req, image.config.config, files, net.mode), limits };
}

/** A shim that reported the exit but still holds the netns: release() lets it exit. */
interface HeldShim {
  release(): Promise<void>;
}

async function startAndWait(
  state: ContainerState,
  dirs: ContainerDirs,
  cgroup: ContainerCgroup,
  config: ShimConfig,
  interactive: boolean,
  launcher: ShimLauncher,
  output?: ShimOutput,
): Promise<{ status: number; held?: HeldShim }> {
  mark('cgroup ready');
  const shim = launcher.start(config, interactive ? 'inherit' : 'ignore', output);
  const forward = (signal: NodeJS.Signals) => shim.kill(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  const exited = shim.exited.then(({ code, signal }) => code ?? 128 + signalNumber(signal));
  let failure: MiniboxError | undefined;
  let status: number | undefined;
  let held: HeldShim | undefined;
  try {
    for await (const ev of shim.events) {
      mark(`shim: ${ev.kind}`);
      if (ev.kind === 'pid') await markRunning(dirs.dir, state, ev.pid, shim.pid);
      else if (ev.kind === 'error') failure = new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code);
      else if (ev.kind === 'exit') {
        status = ev.status;
        if (config.run?.nshold) {
          // the shim now waits for release(): the teardown runs with the netns still there
          held = { release: () => (shim.release(), exited.then(() => undefined)) };
          break;
        }
      }
    }
    if (!held) {
      const shimStatus = await exited;
      status ??= shimStatus;
    }
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
  mark('shim done');
  try {
    const oomKilled = cgroup.stats().oomKills > 0;
    await markExited(dirs.dir, failure ? failure.exitCode : (status ?? 125), oomKilled);
  } catch (err) {
    await held?.release(); // the caller never sees it: let the shim go now
    throw err;
  }
  if (failure) throw failure;
  return { status: status ?? 125, ...(held ? { held } : {}) };
}

async function markRunning(dir: string, state: ContainerState, pid: number, shimPid: number): Promise<void> {
  const shimStartTime = processStartTime(shimPid) ?? '';
  await writeContainerState(dir, { ...state, status: 'running', pid, shimPid, shimStartTime, startedAt: new Date().toISOString() });
}

async function markExited(dir: string, exitCode: number, oomKilled: boolean): Promise<void> {
  const current = await readContainerState(dir);
  await writeContainerState(dir, { ...current, status: 'exited', pid: 0, exitCode, oomKilled, finishedAt: new Date().toISOString() });
}
