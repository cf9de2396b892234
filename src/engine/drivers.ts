import { containerCgroup, type ContainerCgroup } from '../linux/cgroups/index.js';
import { startShim, type ShimConfig, type ShimEvent, type ShimOutput } from '../linux/shim.js';
import { attachNetwork, planNetwork, releaseNetwork } from './network.js';

/**
 * The Linux drivers the container use cases (run, start, launch) work through, as youki's
 * `Syscall` trait: the engine decides what happens in which order, a driver does it to the
 * kernel. The default set is the real one (src/linux, engine/network.ts); unit tests pass
 * fakes that record the calls (test/unit/engine/).
 */
export interface EngineDrivers {
  /** The container's cgroup (create, apply limits, stats, remove). */
  cgroups(id: string): ContainerCgroup;
  shim: ShimLauncher;
  network: RunNetwork;
}

/** Starts `minibox-shim run` with a config (linux/shim.ts). */
export interface ShimLauncher {
  /** `output`: the shim's stdout and stderr go there instead of ours. */
  start(config: ShimConfig, stdin: 'inherit' | 'ignore', output?: ShimOutput): LaunchedShim;
}

/** A started shim as the engine sees it: its report, its exit, a signal, the netns hold. */
export interface LaunchedShim {
  readonly pid: number; // 0 when the spawn failed (then events report nothing)
  readonly events: AsyncIterable<ShimEvent>;
  /** Resolves when the shim process is gone: its code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** run.nshold: let the shim go (it holds the container's netns until then). */
  release(): void;
}

/** What run and start do with the container's network (engine/network.ts). */
export interface RunNetwork {
  plan: typeof planNetwork;
  attach: typeof attachNetwork;
  release: typeof releaseNetwork;
}

const realShim: ShimLauncher = {
  start(config, stdin, output) {
    const shim = startShim(config, stdin, output);
    // captured output: 'close' comes once the pipes are drained too, so the caller has all of it
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      shim.child.on(output ? 'close' : 'exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })),
    );
    return {
      pid: shim.child.pid ?? 0,
      events: shim.events,
      exited,
      kill: (signal) => void shim.child.kill(signal),
      release: () => shim.release(),
    };
  },
};

let defaults: EngineDrivers | undefined;

/** The real drivers, made on first use. */
export function defaultDrivers(): EngineDrivers {
  defaults ??= {
    cgroups: containerCgroup,
    shim: realShim,
    network: { plan: planNetwork, attach: attachNetwork, release: releaseNetwork },
  };
  return defaults;
}
