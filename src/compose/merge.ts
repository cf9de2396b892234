/**
 * How Compose merges a later file (or an `extends` child) over an earlier definition of the
 * same service: mappings merged by key (environment, labels, build.args, depends_on,
 * networks), ports/expose/tmpfs/env_file/links appended without duplicates, volumes merged by their
 * target path (the later mount wins), command/entrypoint/healthcheck.test replaced, any
 * other value replaced by the later one. Works on normalised services, so a list in one
 * file and a map in the other merge as Compose merges them.
 */
import type { ServiceConfig, VolumeMount } from './model.js';

function appendUnique<T>(a: readonly T[] | undefined, b: readonly T[]): T[] {
  const out = [...(a ?? [])];
  const seen = new Set(out.map((x) => JSON.stringify(x)));
  for (const x of b) {
    const k = JSON.stringify(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

function mergeVolumes(a: readonly VolumeMount[] | undefined, b: readonly VolumeMount[]): VolumeMount[] {
  const byTarget = new Map<string, VolumeMount>();
  for (const v of a ?? []) byTarget.set(v.target, v);
  for (const v of b) byTarget.set(v.target, v);
  return [...byTarget.values()];
}

export function mergeService(base: ServiceConfig, over: ServiceConfig): ServiceConfig {
  const out: ServiceConfig = { ...base };
  for (const key of Object.keys(over) as (keyof ServiceConfig)[]) {
    switch (key) {
      case 'name':
        break;
      case 'environment':
      case 'labels':
      case 'depends_on':
      case 'networks':
        (out as unknown as Record<string, unknown>)[key] = { ...(base[key] ?? {}), ...(over[key] ?? {}) };
        break;
      case 'ports':
        out.ports = appendUnique(base.ports, over.ports ?? []);
        break;
      case 'expose':
        out.expose = appendUnique(base.expose, over.expose ?? []);
        break;
      case 'tmpfs':
        out.tmpfs = appendUnique(base.tmpfs, over.tmpfs ?? []);
        break;
      case 'env_file':
        out.env_file = appendUnique(base.env_file, over.env_file ?? []);
        break;
      case 'links':
        out.links = appendUnique(base.links, over.links ?? []);
        break;
      case 'profiles':
        out.profiles = appendUnique(base.profiles, over.profiles ?? []);
        break;
      case 'volumes':
        out.volumes = mergeVolumes(base.volumes, over.volumes ?? []);
        break;
      case 'build':
        if (over.build) {
          const args = base.build?.args || over.build.args ? { ...(base.build?.args ?? {}), ...(over.build.args ?? {}) } : undefined;
          const labels = base.build?.labels || over.build.labels ? { ...(base.build?.labels ?? {}), ...(over.build.labels ?? {}) } : undefined;
          out.build = { ...(base.build ?? {}), ...over.build };
          if (args) out.build.args = args;
          if (labels) out.build.labels = labels;
        }
        break;
      case 'healthcheck':
        // a mapping merged key by key; its `test` is a command and is replaced whole
        out.healthcheck = { ...(base.healthcheck ?? {}), ...(over.healthcheck ?? {}) };
        break;
      default:
        (out as unknown as Record<string, unknown>)[key] = over[key];
    }
  }
  return out;
}
