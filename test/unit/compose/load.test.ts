import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProject, type LoadOptions } from '../../../src/compose/load.js';
import { projectYaml } from '../../../src/compose/config-yaml.js';
import { parse } from 'yaml';

let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'compose-load-'));
  dir = path.join(root, 'My_Project.1');
  mkdirSync(dir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  writeFileSync(path.join(dir, name), text);
}
const load = (o: Partial<LoadOptions> = {}) => loadProject({ cwd: dir, environ: {}, ...o });

const LECTURE = `version: '2'
services:
  users-service:
    build: ./users-service
    ports:
      - "8123:8123"
    depends_on:
      - db
    environment:
      - DATABASE_HOST=db
  db:
    build: ./test-database
`;

describe('compose loading', () => {
  it("loads the lecture's file: version ignored with Compose's warning, the folder's name normalised", () => {
    write('docker-compose.yml', LECTURE);
    const p = load();
    expect(p.name).toBe('my_project1');
    expect(p.warnings[0]).toMatch(/docker-compose\.yml: the attribute `version` is obsolete, it will be ignored/);
    const users = p.services['users-service'];
    expect(users?.build?.context).toBe(path.join(dir, 'users-service'));
    expect(users?.ports).toEqual([{ mode: 'ingress', target: 8123, published: '8123', protocol: 'tcp' }]);
    expect(users?.depends_on).toEqual({ db: { condition: 'service_started', required: true } });
    expect(users?.environment).toEqual({ DATABASE_HOST: 'db' });
    expect(users?.networks).toEqual({ default: null });
    expect(p.networks.default).toEqual({ name: 'my_project1_default' });
  });

  it("version 2, 3 and the Compose Specification (no version) load alike; only a version is warned about", () => {
    const body = 'services:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n';
    const seen: boolean[] = [];
    for (const version of ["version: '2'\n", 'version: "3.8"\n', "version: '3'\n", '']) {
      write('compose.yaml', version + body);
      const p = load();
      seen.push(p.warnings.some((w) => w.includes('the attribute `version` is obsolete')));
      expect(p.services.web?.ports).toEqual([{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]);
    }
    expect(seen).toEqual([true, true, true, false]);
  });

  it('default file precedence: compose.yaml before docker-compose.yml, with a warning; the override is merged', () => {
    write('docker-compose.yml', 'services: {a: {image: old}}\n');
    write('compose.yaml', 'services: {a: {image: new}}\n');
    write('compose.override.yaml', 'services: {a: {command: echo hi}}\n');
    const p = load();
    expect(p.services.a?.image).toBe('new');
    expect(p.services.a?.command).toEqual(['echo', 'hi']);
    expect(p.warnings.some((w) => w.startsWith('Found multiple config files'))).toBe(true);
    expect(p.configFiles).toEqual([path.join(dir, 'compose.yaml'), path.join(dir, 'compose.override.yaml')]);
  });

  it('no file: Compose\'s error', () => {
    expect(() => load()).toThrow('no configuration file provided: not found');
  });

  it('project name: -p, then COMPOSE_PROJECT_NAME (shell or .env), then name:, then the folder', () => {
    write('compose.yaml', 'name: fromfile\nservices: {a: {image: x}}\n');
    expect(load().name).toBe('fromfile');
    write('.env', 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    expect(load().name).toBe('fromdotenv');
    expect(load({ environ: { COMPOSE_PROJECT_NAME: 'fromshell' } }).name).toBe('fromshell');
    expect(load({ projectName: 'flag', environ: { COMPOSE_PROJECT_NAME: 'fromshell' } }).name).toBe('flag');
    expect(() => load({ projectName: 'Bad Name' })).toThrow(/invalid project name "Bad Name"/);
  });

  it('interpolates from the shell over .env, and --env-file replaces .env', () => {
    write('.env', 'TAG=fromdotenv\nPORT=8000\n');
    write('other.env', 'TAG=fromother\n');
    write('compose.yaml', 'services:\n  a:\n    image: "busybox:${TAG}"\n    ports: ["${PORT:-80}:80"]\n');
    expect(load().services.a?.image).toBe('busybox:fromdotenv');
    expect(load({ environ: { TAG: 'shell' } }).services.a?.image).toBe('busybox:shell');
    const p = load({ envFiles: ['other.env'] });
    expect(p.services.a?.image).toBe('busybox:fromother');
    expect(p.services.a?.ports?.[0]?.published).toBe('80');
    expect(() => load({ envFiles: ['missing.env'] })).toThrow(/couldn't find env file/);
  });

  it('a missing required variable names the file, the line and the path', () => {
    write('compose.yaml', 'services:\n  a:\n    image: busybox\n    environment:\n      X: ${NEED:?set NEED}\n');
    expect(() => load()).toThrow('compose.yaml:5: error while interpolating services.a.environment.X: required variable NEED is missing a value: set NEED');
  });

  it('schema errors carry the file and line', () => {
    write('compose.yaml', 'services:\n  web:\n    image: busybox\n    ports: "80:80"\n');
    expect(() => load()).toThrow('compose.yaml:4: services.web.ports must be a list');
    write('compose.yaml', 'services:\n  web:\n    imgae: busybox\n');
    expect(() => load()).toThrow("compose.yaml:2: services.web additional properties 'imgae' not allowed");
    write('compose.yaml', 'services:\n  web:\n    image: a: b\n');
    expect(() => load()).toThrow(/^compose\.yaml:3: yaml: /);
  });

  it("what minibox ignores is still checked against the Compose Specification's own schema", () => {
    // privileged and networks.*.driver are accepted and not implemented by minibox's schema;
    // the spec's schema still types them, as Compose does
    write('compose.yaml', 'services:\n  web:\n    image: busybox\n    privileged: [1, 2]\n');
    expect(() => load()).toThrow('compose.yaml:4: services.web.privileged must be a boolean or string');
    write('compose.yaml', 'services:\n  web:\n    image: busybox\nnetworks:\n  back:\n    driver: 5\n');
    expect(() => load()).toThrow('compose.yaml:6: networks.back.driver must be a string');
    write('compose.yaml', 'services:\n  web:\n    image: busybox\n    privileged: true\n    logging: {driver: json-file}\n');
    expect(load().services.web?.image).toBe('busybox');
  });

  it('environment: list and map forms, bare keys from the shell and .env, env_file under environment', () => {
    write('.env', 'FROM_DOTENV=d\n');
    write('app.env', '# comment\nexport FILE_ONLY=f\nOVER=file\nQUOTED="a b"\n');
    write('compose.yaml', `services:
  a:
    image: x
    env_file: app.env
    environment:
      - FROM_DOTENV
      - FROM_SHELL
      - NOWHERE
      - OVER=env
  b:
    image: x
    environment:
      K: 1
      E:
`);
    const p = load({ environ: { FROM_SHELL: 's', E: 'e' } });
    expect(p.services.a?.environment).toEqual({ FILE_ONLY: 'f', OVER: 'env', QUOTED: 'a b', FROM_DOTENV: 'd', FROM_SHELL: 's', NOWHERE: null });
    expect(p.services.b?.environment).toEqual({ K: '1', E: 'e' });
  });

  it('several -f files merge as Compose merges them', () => {
    write('base.yml', `services:
  web:
    image: busybox
    command: ["sleep", "1"]
    environment: [A=1, B=2]
    ports: ["80:80"]
    expose: ["81"]
    volumes: ["./data:/data", "cache:/cache"]
    labels: {x: "1"}
volumes:
  cache: {}
`);
    write('over.yml', `services:
  web:
    command: sleep 2
    environment: {B: three, C: "4"}
    ports: ["80:80", "443:443"]
    expose: ["81", "82"]
    volumes: ["./other:/data:ro"]
    labels: [y=2]
`);
    const web = load({ files: ['base.yml', 'over.yml'] }).services.web;
    expect(web?.command).toEqual(['sleep', '2']);
    expect(web?.environment).toEqual({ A: '1', B: 'three', C: '4' });
    expect(web?.ports?.map((p) => p.published)).toEqual(['80', '443']);
    expect(web?.expose).toEqual(['81', '82']);
    expect(web?.volumes).toEqual([
      { type: 'bind', source: path.join(dir, 'other'), target: '/data', read_only: true },
      { type: 'volume', source: 'cache', target: '/cache' },
    ]);
    expect(web?.labels).toEqual({ x: '1', y: '2' });
  });

  it('extends: a service of the same file and of another file (its paths relative to that file)', () => {
    write('common/base.yml', 'services:\n  base:\n    image: busybox\n    environment: [A=1]\n    build: ./ctx\n');
    write('compose.yaml', `services:
  tmpl:
    image: busybox
    user: nobody
  a:
    extends: tmpl
    command: "true"
  b:
    extends: {file: common/base.yml, service: base}
    environment: [B=2]
`);
    const p = load();
    expect(p.services.a).toMatchObject({ image: 'busybox', user: 'nobody', command: ['true'] });
    expect(p.services.b?.environment).toEqual({ A: '1', B: '2' });
    expect(p.services.b?.build?.context).toBe(path.join(dir, 'common', 'ctx'));
    write('compose.yaml', 'services:\n  a: {extends: b}\n  b: {extends: a}\n');
    expect(() => load()).toThrow(/circular reference with extends/);
  });

  it('profiles: services with profiles are off unless a profile (or COMPOSE_PROFILES) turns them on', () => {
    write('compose.yaml', 'services:\n  a: {image: x}\n  dbg: {image: x, profiles: [debug]}\n');
    expect(Object.keys(load().services)).toEqual(['a']);
    expect(Object.keys(load({ profiles: ['debug'] }).services)).toEqual(['a', 'dbg']);
    expect(Object.keys(load({ environ: { COMPOSE_PROFILES: 'debug' } }).services)).toEqual(['a', 'dbg']);
  });

  it('bad references: depends_on cycles and unknown services, volumes, no image or build', () => {
    write('compose.yaml', 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: {a: {condition: service_healthy}}}\n');
    expect(() => load()).toThrow('dependency cycle detected: a -> b -> a');
    write('compose.yaml', 'services:\n  a: {image: x, depends_on: [nope]}\n');
    expect(() => load()).toThrow('service "a" depends on undefined service "nope": invalid compose project');
    write('compose.yaml', 'services:\n  a: {image: x, volumes: ["data:/d"]}\n');
    expect(() => load()).toThrow('service "a" refers to undefined volume data: invalid compose project');
    write('compose.yaml', 'services:\n  a: {user: x}\n');
    expect(() => load()).toThrow('service "a" has neither an image nor a build context specified');
  });

  it('long-form ports, port ranges, tmpfs and named volumes named after the project', () => {
    write('compose.yaml', `name: p
services:
  a:
    image: x
    ports:
      - target: 80
        published: "8080"
        host_ip: 127.0.0.1
      - "127.0.0.1:9000-9001:90-91/udp"
      - 3000
    tmpfs: /run
    volumes: [data:/data]
volumes:
  data:
`);
    const p = load();
    expect(p.services.a?.ports).toEqual([
      { mode: 'ingress', target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp' },
      { mode: 'ingress', target: 90, published: '9000', host_ip: '127.0.0.1', protocol: 'udp' },
      { mode: 'ingress', target: 91, published: '9001', host_ip: '127.0.0.1', protocol: 'udp' },
      { mode: 'ingress', target: 3000, protocol: 'tcp' },
    ]);
    expect(p.services.a?.tmpfs).toEqual(['/run']);
    expect(p.volumes.data).toEqual({ name: 'p_data' });
  });

  it('config prints the resolved model as YAML that reads back', () => {
    write('docker-compose.yml', LECTURE);
    const text = projectYaml(load({ projectName: 'lecture' }));
    const back = parse(text) as { name: string; services: Record<string, { build: { dockerfile: string } }>; networks: unknown };
    expect(back.name).toBe('lecture');
    expect(Object.keys(back.services)).toEqual(['db', 'users-service']);
    expect(back.services.db?.build.dockerfile).toBe('Dockerfile');
    expect(back.networks).toEqual({ default: { name: 'lecture_default' } });
  });

  it("config's YAML loads back into the same model; a literal $ is printed as $$, as Compose prints it", () => {
    write('.env', 'GREETING=from-dotenv\n');
    write('docker-compose.yml', `${LECTURE}    command: ["sh", "-c", "echo $$HOME costs 5$$ \${GREETING}"]\n    environment: {PRICE: "5$$"}\n`);
    const first = load({ projectName: 'lecture' });
    expect(first.services.db?.command).toEqual(['sh', '-c', 'echo $HOME costs 5$ from-dotenv']);
    const text = projectYaml(first);
    expect(text).toContain('echo $$HOME costs 5$$ from-dotenv');
    write('printed.yml', text);
    rmSync(path.join(dir, '.env'));
    const again = load({ files: ['printed.yml'] });
    expect(again.warnings).toEqual([]);
    expect(again.name).toBe('lecture');
    // the same project: printed again it is the same text (build.dockerfile is now explicit)
    expect(projectYaml(again)).toBe(text);
    expect(again.services.db?.command).toEqual(first.services.db?.command);
    expect(again.services.db?.environment).toEqual({ PRICE: '5$' });
  });
});
