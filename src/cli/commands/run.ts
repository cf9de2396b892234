import { runContainer } from '../../engine/run.js';
import type { ResourceFlags } from '../../container/resources.js';
import { rendererFor, type PullRenderer } from '../progress/renderer.js';
import type { PullEvent } from '../../image/pull/events.js';
import { networkFlags, type NetworkOptionValues } from '../network-options.js';
import type { LifecycleRunOptions } from '../lifecycle-options.js';

/** Flags of `minibox run` as commander parsed them. */
export interface RunOptions extends ResourceFlags, NetworkOptionValues, LifecycleRunOptions {
  rm: boolean;
  name?: string;
  env: string[];
  entrypoint?: string;
  workdir?: string;
  hostname?: string;
  interactive: boolean;
  pull?: 'missing' | 'always' | 'never';
  platform?: string;
}

export async function runCommand(image: string, command: string[], opts: RunOptions): Promise<number> {
  // a pull for a missing image reports on stderr, as Docker's run does
  let renderer: PullRenderer | undefined;
  try {
    return await runContainerWithPull(image, command, opts, (e) => (renderer ??= rendererFor(process.stderr)).onEvent(e));
  } finally {
    renderer?.close();
  }
}

function runContainerWithPull(image: string, command: string[], opts: RunOptions, onPullEvent: (e: PullEvent) => void): Promise<number> {
  return runContainer({
    pull: opts.pull ?? 'missing',
    onPullEvent,
    ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
    image,
    command,
    env: opts.env,
    interactive: opts.interactive,
    autoRemove: opts.rm,
    resources: resourceFlags(opts),
    network: networkFlags(opts),
    detach: opts.detach === true,
    tty: opts.tty === true,
    ...(opts.restart !== undefined ? { restart: opts.restart } : {}),
    onDetached: (id) => process.stdout.write(`${id}\n`),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
  });
}

/** The resource flags, shared by `run` and `update`. */
export function resourceFlags(opts: ResourceFlags): ResourceFlags {
  const keys = ['memory', 'memorySwap', 'memoryReservation', 'cpus', 'cpuShares', 'cpuPeriod', 'cpuQuota', 'cpusetCpus', 'pidsLimit'] as const;
  const out: ResourceFlags = {};
  for (const k of keys) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}
