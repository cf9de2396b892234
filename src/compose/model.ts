/**
 * The project model: a compose file's services, networks and volumes after loading, merging,
 * `extends`, interpolation and normalisation — one canonical shape, whatever short or long
 * syntax the files used (environment as a map, ports and volumes in their long form,
 * depends_on as a map with a condition, build as an object with an absolute context).
 * This is what `compose config` prints and what the planner and the engine consume.
 */

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOn {
  condition: DependsCondition;
  required: boolean;
  restart?: boolean;
}

export interface BuildConfig {
  /** Absolute path. */
  context: string;
  dockerfile?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
}

export interface PortConfig {
  mode: string;
  host_ip?: string;
  target: number;
  /** Kept as a string, as Compose does (it may be a range). */
  published?: string;
  protocol: string;
}

export interface VolumeMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Absolute host path for a bind; the volume's name in the file for a named volume; absent for anonymous and tmpfs. */
  source?: string;
  target: string;
  read_only?: boolean;
}

export interface HealthcheckConfig {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface EnvFileRef {
  path: string;
  required: boolean;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  /** null: a bare key with no value in the shell or .env (the container does not get it). */
  environment?: Record<string, string | null>;
  env_file?: EnvFileRef[];
  ports?: PortConfig[];
  expose?: string[];
  volumes?: VolumeMount[];
  tmpfs?: string[];
  /** Network name (as in the file) → aliases. */
  networks?: Record<string, { aliases?: string[] } | null>;
  depends_on?: Record<string, DependsOn>;
  /** `service` or `service:alias` (the alias resolves in this service's containers). */
  links?: string[];
  restart?: string;
  healthcheck?: HealthcheckConfig;
  user?: string;
  working_dir?: string;
  hostname?: string;
  labels?: Record<string, string>;
  stop_signal?: string;
  stop_grace_period?: string;
  init?: boolean;
  read_only?: boolean;
  container_name?: string;
  /** mem_limit, or deploy.resources.limits.memory. */
  mem_limit?: string;
  /** mem_reservation, or deploy.resources.reservations.memory. */
  mem_reservation?: string;
  /** cpus, or deploy.resources.limits.cpus. */
  cpus?: string;
  /** pids_limit, or deploy.resources.limits.pids. */
  pids_limit?: number;
  profiles?: string[];
}

export interface NetworkConfig {
  /** The engine's name: `<project>_<key>` unless `name:` or `external`. */
  name: string;
  external?: boolean;
  driver?: string;
  /** ipam.config[0].subnet, when the file gives one. */
  subnet?: string;
}

export interface VolumeConfig {
  name: string;
  external?: boolean;
  driver?: string;
}

export interface ComposeProject {
  name: string;
  /** Absolute project directory (the first file's folder unless --project-directory). */
  workingDir: string;
  /** Absolute paths of the files, in the order merged. */
  configFiles: string[];
  /** The enabled services (profiles applied), by name. */
  services: Record<string, ServiceConfig>;
  /** Services left out by profiles, by name (`down` and `config --profile` still know them). */
  disabledServices: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  /** Warnings for the user (obsolete `version`, unset variables…), in Compose's words. */
  warnings: string[];
}
