/**
 * `compose ls`: the projects the engine knows, found from their containers' labels alone
 * (no file is read), with Compose's columns: the name, a combined status such as
 * `exited(1), running(2)` (each state counted, states in name order) and the config files
 * every container recorded (in first-seen order, without duplicates).
 * Pure: the engine hands in the containers.
 */
import { LABEL } from './labels.js';

export interface LabelledContainer {
  status: string;
  labels: Readonly<Record<string, string>>;
}

export interface ProjectRow {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

export function combinedStatus(statuses: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()].sort().map((s) => `${s}(${counts.get(s) ?? 0})`).join(', ');
}

/** Without `all`, only running containers count (a project with none running is not listed), as in Compose. */
export function projectRows(containers: readonly LabelledContainer[], all: boolean): ProjectRow[] {
  const byProject = new Map<string, LabelledContainer[]>();
  for (const c of containers) {
    const name = c.labels[LABEL.project];
    if (name === undefined || (!all && c.status !== 'running')) continue;
    byProject.set(name, [...(byProject.get(name) ?? []), c]);
  }
  return [...byProject.keys()].sort().map((name) => {
    const list = byProject.get(name) ?? [];
    const files: string[] = [];
    for (const c of list) {
      for (const f of (c.labels[LABEL.configFiles] ?? '').split(',')) if (f && !files.includes(f)) files.push(f);
    }
    return { Name: name, Status: combinedStatus(list.map((c) => c.status)), ConfigFiles: files.join(',') };
  });
}
