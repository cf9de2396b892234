import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import type { ContainerDirs } from '../container/store.js';
import { writeContainerState, type ContainerState } from '../container/state.js';
import { clearMonitorFiles, readMonitorRecord } from '../container/exit-record.js';
import { writeHostConfig, type HostConfig } from '../container/hostconfig.js';
import { logPath } from '../container/log-file.js';
import type { ShimConfig } from '../linux/shim.js';
import type { ContainerCgroup } from '../linux/cgroups/index.js';
import { processStartTime } from '../linux/proc/liveness.js';
import type { ShimLauncher } from './drivers.js';

/**
 * Detached containers (run -d, start): the shim starts with detach=1 and leaves a C monitor
 * (native-shim/src/monitor/) holding the container, its log and its restart policy; Node
 * records the monitor's pid (with its start time, so a recycled pid is never taken for it)
 * and goes.
 */
/** The file with the oom_kill counter: memory.events (v2) or memory.oom_control (v1). */
function oomFile(cgroup: ContainerCgroup): string | undefined {
  if (cgroup.kind === 'v2') return cgroup.joinPaths[0] ? path.join(cgroup.joinPaths[0], 'memory.events') : undefined;
  const mem = cgroup.joinPaths.find((p) => /\/memory[^/]*\/minibox\//.test(p));
  return mem ? path.join(mem, 'memory.oom_control') : undefined;
}

/**
 * run -d --rm: once the container is gone for good the monitor runs `minibox rm ID` with this
 * very CLI (the network teardown lives here in Node, one implementation for rm and --rm).
 */
function removeCommand(id: string): string[] {
  // -v: Docker removes a --rm container's anonymous volumes with it (named ones stay)
  return [process.execPath, '--', process.argv[1] ?? 'minibox', 'rm', '-v', id];
}

/** Launch the shim with detach=1; returns once the program runs (the monitor stays, Node goes). */
export async function launchDetached(
  dirs: ContainerDirs,
  state: ContainerState,
  config: ShimConfig,
  cgroup: ContainerCgroup,
  hc: HostConfig,
  shim: ShimLauncher,
): Promise<void> {
  await writeHostConfig(dirs.dir, hc);
  clearMonitorFiles(dirs.dir);
  const oom = oomFile(cgroup);
  const launched = shim.start(
    {
      ...config,
      run: {
        detach: true,
        tty: hc.tty,
        stdin: hc.interactive,
        log: logPath(dirs.dir, state.id),
        statedir: dirs.dir,
        restart: hc.restart,
        ...(oom ? { oom } : {}),
        ...(hc.health ? { health: hc.health } : {}),
        ...(state.autoRemove ? { autoremove: removeCommand(state.id) } : {}),
      },
    },
    'ignore',
  );
  let monitorPid = 0;
  let pid = 0;
  let failure: MiniboxError | undefined;
  for await (const ev of launched.events) {
    if (ev.kind === 'monitor') monitorPid = ev.pid;
    else if (ev.kind === 'pid') pid = ev.pid;
    else if (ev.kind === 'error') failure = new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code);
  }
  if (!failure && (!pid || !monitorPid)) failure = new MiniboxError('the container monitor did not start', 125);
  if (failure) {
    await writeContainerState(dirs.dir, { ...state, status: 'exited', pid: 0, exitCode: failure.exitCode, finishedAt: new Date().toISOString() });
    throw failure;
  }
  const started = readMonitorRecord(dirs.dir).started;
  await writeContainerState(dirs.dir, {
    ...state,
    status: 'running',
    pid,
    shimPid: monitorPid,
    shimStartTime: processStartTime(monitorPid) ?? '',
    exitCode: 0,
    oomKilled: false,
    startedAt: started?.startedAt || new Date().toISOString(),
    finishedAt: '',
  });
}
