import { MiniboxError } from '../util/errors.js';
import { containerProcesses, CLOCK_TICKS, type ProcInfo } from '../linux/proc/container-processes.js';
import { inspectContainer } from './containers.js';

export type { ProcInfo };
export { CLOCK_TICKS };

/** `top`: the processes in a running container's PID namespace, with host pids. */
export async function containerTop(ref: string): Promise<ProcInfo[]> {
  const { state } = await inspectContainer(ref);
  if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.id} is not running`, 1);
  return containerProcesses(state.pid);
}
