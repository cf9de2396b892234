/**
 * `compose config`: the resolved project as YAML, laid out as Compose prints it (name, then
 * services by name with their canonical keys, then networks and volumes), so a student can
 * compare it with what Docker's Compose shows for the same file, and so that the output is
 * itself a compose file that loads back to the same project.
 */
import { stringify } from 'yaml';
import type { ComposeProject, ServiceConfig } from './model.js';

/** A service's keys in alphabetical order, as Compose prints them; ports in Compose's field order. */
function serviceView(svc: ServiceConfig): Record<string, unknown> {
  const { name: _name, ...rest } = svc;
  const view: Record<string, unknown> = { ...rest };
  if (svc.build) view.build = { ...svc.build, dockerfile: svc.build.dockerfile ?? 'Dockerfile' };
  if (svc.ports) {
    view.ports = svc.ports.map((p) => ({
      mode: p.mode,
      ...(p.host_ip !== undefined ? { host_ip: p.host_ip } : {}),
      target: p.target,
      ...(p.published !== undefined ? { published: p.published } : {}),
      protocol: p.protocol,
    }));
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(view).sort()) out[k] = view[k];
  return out;
}

export function projectYaml(project: ComposeProject): string {
  const doc: Record<string, unknown> = { name: project.name, services: {} };
  const services = doc.services as Record<string, unknown>;
  for (const name of Object.keys(project.services).sort()) {
    const svc = project.services[name];
    if (svc) services[name] = serviceView(svc);
  }
  if (Object.keys(project.networks).length) doc.networks = project.networks;
  if (Object.keys(project.volumes).length) doc.volumes = project.volumes;
  // every `$` left after interpolation is a literal one: printed as `$$`, as Compose's config
  // does (escapeDollarSign), so the output loads back to the same model instead of being
  // interpolated a second time
  return stringify(doc, { lineWidth: 0, nullStr: 'null' }).replace(/\$/g, () => '$$');
}
