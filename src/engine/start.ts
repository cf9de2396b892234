import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { readContainerState, type ContainerState } from '../container/state.js';
import { readHostConfig, type HostConfig } from '../container/hostconfig.js';
import { readSpec } from '../container/spec-read.js';
import { limitsOf, type OciSpec } from '../container/spec.js';
import { deviceRulesOf } from '../container/security/devices.js';
import { resolveImageForRun } from '../image/resolve.js';
import type { ImageRuntimeConfig } from '../image/config.js';
import { launchDetached } from './launch-detached.js';
import { shimConfigFor } from './shim-config.js';
import { defaultDrivers, type EngineDrivers } from './drivers.js';
import { reconcile } from './containers.js';

/**
 * docker start: a stopped container runs again, detached, on its own upper dir, from its
 * config.json (process, hostname, limits, layers) and hostconfig.json (tty, restart, network).
 */
export async function startContainer(ref: string, drivers: EngineDrivers = defaultDrivers()): Promise<ContainerState> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  if (state.status === 'running') {
    // Docker's refusal: a paused container is running, and starting it would not wake it
    if (drivers.cgroups(state.id).freezerState() !== 'thawed') throw new MiniboxError('cannot start a paused container, try unpause instead', 1);
    return state;
  }
  const dirs = containerDirs(paths, state.id);
  const spec = await readSpec(dirs.dir);
  const hc = await readHostConfig(dirs.dir);
  const cgroup = drivers.cgroups(state.id);
  try {
    cgroup.create();
    cgroup.apply(limitsOf(spec.linux.resources));
    cgroup.applyDevices(deviceRulesOf(spec.linux.resources));
    const netRecords = await reattachNetwork(paths, state, spec, hc, drivers);
    await launchDetached(dirs, state, shimConfigFor(state.id, spec, dirs, cgroup, netRecords, {}), cgroup, hc, drivers.shim);
  } catch (err) {
    await drivers.network.release(paths, state.id);
    await cgroup.remove();
    throw err;
  }
  return readContainerState(dirs.dir);
}

/** The network of the run (address, ports, hosts entries) made again from its flags. */
async function reattachNetwork(paths: StatePaths, state: ContainerState, spec: OciSpec, hc: HostConfig, drivers: EngineDrivers): Promise<string[]> {
  await drivers.network.release(paths, state.id); // whatever an earlier run left, e.g. after a crash
  let imageConfig: ImageRuntimeConfig = {};
  try {
    imageConfig = (await resolveImageForRun(paths, state.imageId)).config.config;
  } catch {
    // image removed with rmi -f: -P then has no ExposedPorts to publish
  }
  const plan = await drivers.network.plan(paths, hc.network ?? {}, imageConfig);
  return drivers.network.attach(paths, { id: state.id, name: state.name, hostname: spec.hostname }, plan);
}
