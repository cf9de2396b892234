import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { listContainerStates, type ContainerState } from './state.js';

/**
 * Find a container the way Docker does: full id, then exact name, then a unique id prefix.
 * Unknown → `No such container: x` with exit 1, as docker's container commands exit.
 */
export function matchContainer(all: ContainerState[], ref: string): ContainerState {
  const name = ref.replace(/^\//, '');
  const exact = all.find((c) => c.id === ref) ?? all.find((c) => c.name === name);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : [];
  if (byPrefix.length > 1) throw new MiniboxError(`multiple IDs found with provided prefix: ${ref}`, 1);
  const [only] = byPrefix;
  if (!only) throw new MiniboxError(`No such container: ${ref}`, 1);
  return only;
}

export async function findContainer(paths: StatePaths, ref: string): Promise<ContainerState> {
  return matchContainer(await listContainerStates(paths.containers), ref);
}
