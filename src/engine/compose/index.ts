/**
 * What the CLI's `compose` command uses: loading (compose/, re-exported so the CLI keeps to
 * the engine), the commands carried out (project.ts), and the views of ps and logs.
 */
import { familiarImageName } from '../../oci-format/reference.js';
import { containerPortsColumn } from '../network.js';
import { readCommand } from '../../container/spec-read.js';
import { statePaths } from '../../util/paths.js';
import { LABEL } from '../../compose/labels.js';
import type { ComposeProject } from '../../compose/model.js';
import { projectContainers, type ProjectContainer } from './project.js';
import { followLogs, serviceContainers, type LogEmit } from './commands.js';

export { loadProject, type LoadOptions } from '../../compose/load.js';
export { projectYaml } from '../../compose/config-yaml.js';
export type { ComposeProject } from '../../compose/model.js';
export { LABEL } from '../../compose/labels.js';
export { buildServices, down, eachContainer, projectContainers, stopWait, up, type ProjectContainer } from './project.js';
export { attachedUp, execService, listProjects, pullServices, pushServices, runService, type LogEmit } from './commands.js';
export { parseAnsiMode, useColor, type AnsiMode } from '../../compose/log-prefix.js';
export { shellSplit } from '../../compose/normalize.js';
export { parseRmi } from '../../compose/plan.js';
export { startContainer } from '../start.js';
export { stopContainer, restartContainer } from '../lifecycle.js';
export { removeContainer, containerHealth } from '../containers.js';

export interface PsRow {
  name: string;
  image: string;
  command: string;
  service: string;
  created: string;
  state: ProjectContainer['state'];
  ports: string;
}

/** `compose ps`: the project's containers (running ones unless `all`), by name. */
export async function psRows(project: ComposeProject, all: boolean, services: readonly string[]): Promise<PsRow[]> {
  const rows: PsRow[] = [];
  for (const c of await projectContainers(project.name)) {
    // one-off containers (compose run) only with --all, as in Compose
    if (!all && (!c.running || c.labels[LABEL.oneoff] === 'True')) continue;
    const service = c.labels[LABEL.service] ?? '';
    if (services.length && !services.includes(service)) continue;
    const command = await readCommand(c.id).catch(() => [] as string[]);
    rows.push({
      name: c.name,
      image: familiarImageName(c.state.image),
      command: command.join(' '),
      service,
      created: c.state.created,
      state: c.state,
      ports: await containerPortsColumn(statePaths(), c.id).catch(() => ''),
    });
  }
  return rows;
}

/** `compose logs`: each service container's log lines, prefixed `service-1  | ` (coloured when asked). */
export async function projectLogs(
  project: ComposeProject,
  services: readonly string[],
  opts: { follow: boolean; tail?: string; color?: boolean },
  emit: LogEmit,
): Promise<void> {
  const containers = await serviceContainers(project, services);
  await followLogs(project, containers, { follow: opts.follow, color: opts.color === true, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) }, emit);
}
