/**
 * What the CLI's `compose` command uses: loading (compose/, re-exported so the CLI keeps to
 * the engine), the commands carried out (project.ts), and the views of ps and logs.
 */
import { readLogs } from '../logs.js';
import { familiarImageName } from '../../oci-format/reference.js';
import { containerPortsColumn } from '../network.js';
import { readCommand } from '../../container/spec-read.js';
import { statePaths } from '../../util/paths.js';
import { LABEL } from '../../compose/labels.js';
import type { ComposeProject } from '../../compose/model.js';
import { projectContainers, type ProjectContainer } from './project.js';

export { loadProject, type LoadOptions } from '../../compose/load.js';
export { projectYaml } from '../../compose/config-yaml.js';
export type { ComposeProject } from '../../compose/model.js';
export { LABEL } from '../../compose/labels.js';
export { buildServices, down, eachContainer, projectContainers, up, type ProjectContainer } from './project.js';
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
    if (!all && !c.running) continue;
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

/** `compose logs`: each container's log lines, prefixed `service-1  | ` (padded to the widest prefix). */
export async function projectLogs(
  project: ComposeProject,
  services: readonly string[],
  opts: { follow: boolean; tail?: string },
  emit: (prefix: string, stream: 'stdout' | 'stderr', line: string) => void,
): Promise<void> {
  const containers = (await projectContainers(project.name)).filter(
    (c) => services.length === 0 || services.includes(c.labels[LABEL.service] ?? ''),
  );
  const prefixes = containers.map((c) => (c.name.startsWith(`${project.name}-`) ? c.name.slice(project.name.length + 1) : c.name));
  const width = Math.max(0, ...prefixes.map((p) => p.length));
  await Promise.all(
    containers.map((c, i) =>
      readLogs(c.id, { follow: opts.follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) }, (e) => {
        const prefix = `${(prefixes[i] ?? '').padEnd(width)}  | `;
        for (const line of e.log.replace(/\n$/, '').split('\n')) emit(prefix, e.stream, line);
      }),
    ),
  );
}
