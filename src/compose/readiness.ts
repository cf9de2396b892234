/**
 * `up --wait`: whether a service's container counts as up. Running without a healthcheck,
 * or healthy, is ready; starting (health not known yet) is pending; unhealthy is an error;
 * an exit is an error too, unless it is a successful one-shot another service waits for
 * with service_completed_successfully (Compose's migrations).
 * Pure: the engine polls and hands in what it sees.
 */
import type { ComposeProject } from './model.js';

export interface ObservedState {
  container: string;
  status: string;
  exitCode?: number;
  /** The last health record's status; undefined: the container has no healthcheck. */
  health?: string;
}

export type Readiness = { kind: 'ready' } | { kind: 'pending' } | { kind: 'failed'; message: string };

/** Whether some service of the project waits for `service` to complete successfully. */
export function isOneShot(project: ComposeProject, service: string): boolean {
  return Object.values(project.services).some((s) => s.depends_on?.[service]?.condition === 'service_completed_successfully');
}

export function readiness(service: string, s: ObservedState, oneShot: boolean): Readiness {
  if (s.status === 'running') {
    if (s.health === undefined || s.health === 'healthy') return { kind: 'ready' };
    if (s.health === 'unhealthy') return { kind: 'failed', message: `service "${service}" is unhealthy (container ${s.container})` };
    return { kind: 'pending' };
  }
  if (s.status === 'created' || s.status === 'restarting') return { kind: 'pending' };
  if (oneShot && s.exitCode === 0) return { kind: 'ready' };
  return { kind: 'failed', message: `service "${service}" exited with code ${s.exitCode ?? '?'} (container ${s.container})` };
}
