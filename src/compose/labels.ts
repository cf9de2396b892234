/**
 * The labels Compose puts on what it creates, so `ps`, `down` and the next `up` find a
 * project's containers, networks and volumes from the engine alone, even after the file
 * changed or was deleted; and the service's configuration hash that tells `up` whether a
 * running container still matches the file.
 */
import { createHash } from 'node:crypto';
import type { ComposeProject, ServiceConfig } from './model.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  configHash: 'com.docker.compose.config-hash',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
} as const;

/** Compose's container name: `<project>-<service>-<n>`, unless container_name says otherwise. */
export function containerName(project: string, svc: ServiceConfig, number: number): string {
  return svc.container_name ?? `${project}-${svc.name}-${number}`;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * sha256 of the service's resolved configuration with its keys sorted. As in Compose, the
 * build section and profiles are left out (a rebuilt image is noticed through its id, the
 * `com.docker.compose.image` label, not through the hash).
 */
export function configHash(svc: ServiceConfig): string {
  const { build: _b, profiles: _p, ...rest } = svc;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

export function containerLabels(project: ComposeProject, svc: ServiceConfig, number: number, imageId: string, oneoff = false): Record<string, string> {
  const deps = Object.entries(svc.depends_on ?? {}).map(([n, d]) => `${n}:${d.condition}:${String(d.restart ?? false)}`);
  return {
    ...(svc.labels ?? {}),
    [LABEL.project]: project.name,
    [LABEL.service]: svc.name,
    [LABEL.number]: String(number),
    [LABEL.configHash]: configHash(svc),
    [LABEL.oneoff]: oneoff ? 'True' : 'False',
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.image]: imageId,
    [LABEL.dependsOn]: deps.join(','),
    [LABEL.version]: 'minibox',
  };
}

export function resourceLabels(project: string, kind: 'network' | 'volume', key: string): Record<string, string> {
  return { [LABEL.project]: project, [kind === 'network' ? LABEL.network : LABEL.volume]: key, [LABEL.version]: 'minibox' };
}
