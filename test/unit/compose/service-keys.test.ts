import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/compose/load.js';
import { checkBuildContexts, imagesToRemove, parseRmi } from '../../../src/compose/plan.js';
import { exposeKeys, linkSpecs, oneOffRunRequest, runRequestFor } from '../../../src/engine/compose/run-request.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'compose-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  writeFileSync(path.join(dir, 'compose.yaml'), yaml);
  return loadProject({ cwd: dir, environ: {}, projectName: 'p' });
}

describe('service keys: links, expose, deploy.resources', () => {
  it('links: a dependency of the linking service, and a --link to the first container under the alias', () => {
    const p = load('services:\n  db: {image: x}\n  app: {image: x, links: [db, "db:database"]}\n');
    const app = p.services.app;
    expect(app?.links).toEqual(['db', 'db:database']);
    expect(app?.depends_on).toEqual({ db: { condition: 'service_started', required: true } });
    expect(linkSpecs(p, app!)).toEqual(['p-db-1:db', 'p-db-1:database']);
    expect(runRequestFor(p, app!, 1, '').network?.links).toEqual(['p-db-1:db', 'p-db-1:database']);
  });

  it('a link to an unknown service or a malformed link is an error naming it', () => {
    expect(() => load('services:\n  app: {image: x, links: [nope]}\n')).toThrow('service "app" depends on undefined service "nope": invalid compose project');
    expect(() => load('services:\n  db: {image: x}\n  app: {image: x, links: ["db:a:b"]}\n')).toThrow('service "app": invalid link "db:a:b": use SERVICE or SERVICE:ALIAS');
  });

  it('expose: ports and ranges become the exposed-port keys of the container', () => {
    const p = load('services:\n  web: {image: x, expose: [80, "53/udp", "8000-8002"]}\n');
    expect(p.services.web?.expose).toEqual(['80', '53/udp', '8000-8002']);
    expect(runRequestFor(p, p.services.web!, 1, '').network?.expose).toEqual(['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    expect(() => exposeKeys(['http'])).toThrow('invalid expose "http": use PORT[-PORT][/PROTOCOL]');
  });

  it('a bad expose entry, a malformed link or a non-numeric pids_limit fails the load, naming it', () => {
    expect(() => load('services:\n  web: {image: x, expose: ["9-1"]}\n')).toThrow('service "web": invalid expose "9-1": bad port range');
    // the link's own error, not the depends_on entry it also made
    expect(() => load('services:\n  app: {image: x, links: [":alias"]}\n')).toThrow('service "app": invalid link ":alias": use SERVICE or SERVICE:ALIAS');
    expect(() => load('services:\n  web: {image: x, pids_limit: lots}\n')).toThrow('services.web.pids_limit: "lots" is not a whole number');
  });

  it('deploy.resources.limits and reservations map onto memory, cpus, pids and the memory reservation', () => {
    const p = load(
      'services:\n  web:\n    image: x\n    deploy:\n      replicas: 1\n      resources:\n        limits: {memory: 64m, cpus: "0.5", pids: 50}\n        reservations: {memory: 32m}\n',
    );
    const web = p.services.web!;
    expect(web).toMatchObject({ mem_limit: '64m', cpus: '0.5', pids_limit: 50, mem_reservation: '32m' });
    expect(runRequestFor(p, web, 1, '').resources).toEqual({ memory: '64m', memoryReservation: '32m', cpus: '0.5', pidsLimit: '50' });
    // the service-level keys give the same
    const q = load('services:\n  web: {image: x, mem_limit: 64m, mem_reservation: 32m, cpus: 0.5, pids_limit: 50}\n');
    expect(runRequestFor(q, q.services.web!, 1, '').resources).toEqual({ memory: '64m', memoryReservation: '32m', cpus: '0.5', pidsLimit: '50' });
  });

  it('deploy.resources that contradict the service-level key, or unknown keys under it, are errors', () => {
    expect(() => load('services:\n  web: {image: x, mem_limit: 64m, deploy: {resources: {limits: {memory: 128m}}}}\n')).toThrow(
      'services.web: mem_limit "64m" and services.web.deploy.resources.limits.memory "128m" differ: give one of them',
    );
    expect(() => load('services:\n  web: {image: x, deploy: {resources: {limits: {memroy: 1g}}}}\n')).toThrow(
      "compose.yaml:2: services.web.deploy.resources.limits additional properties 'memroy' not allowed",
    );
    expect(() => load('services:\n  web: {image: x, links: db}\n')).toThrow('compose.yaml:2: services.web.links must be a list');
  });

  it('external networks and volumes keep their own names; an ipam subnet is kept', () => {
    const p = load(
      'services:\n  web: {image: x, networks: [outside, inner], volumes: ["data:/d"]}\nnetworks:\n  outside: {external: true}\n  inner:\n    driver_opts: {a: b}\n    labels: [x=y]\n    ipam: {config: [{subnet: 198.18.7.0/24}]}\nvolumes:\n  data: {external: true}\n',
    );
    expect(p.networks.outside).toEqual({ name: 'outside', external: true });
    expect(p.networks.inner).toEqual({ name: 'p_inner', subnet: '198.18.7.0/24' });
    expect(p.volumes.data).toEqual({ name: 'data', external: true });
  });
});

describe('compose run: the one-off container', () => {
  it("is named <project>-<service>-run-<hex>, labelled oneoff, without the service's ports, alias, restart or container_name", () => {
    const p = load(
      'services:\n  db: {image: x}\n  web:\n    image: x\n    container_name: fixed\n    restart: always\n    ports: ["8080:80"]\n    environment: {A: "1"}\n    command: serve\n    links: [db]\n',
    );
    const req = oneOffRunRequest(p, p.services.web!, 'sha256:1', {
      command: ['echo', 'hi'],
      entrypoint: ['/bin/sh', '-c'],
      env: ['B=2'],
      rm: true,
      detach: false,
      tty: false,
      interactive: true,
      suffix: 'abcdef012345',
    });
    expect(req).toMatchObject({ name: 'p-web-run-abcdef012345', command: ['-c', 'echo', 'hi'], entrypoint: '/bin/sh', env: ['A=1', 'B=2'], autoRemove: true, detach: false });
    expect(req.restart).toBeUndefined();
    expect(req.network).toMatchObject({ network: 'p_default', aliases: [], publish: [], links: ['p-db-1:db'] });
    expect(req.labels).toContain('com.docker.compose.oneoff=True');
    expect(req.labels).toContain('com.docker.compose.service=web');
  });
});

describe('bad input: a missing build context', () => {
  it('is named before anything is built', () => {
    mkdirSync(path.join(dir, 'ok'));
    const p = load('services:\n  a: {build: ./ok}\n  b: {build: ./missing}\n  c: {image: x}\n');
    const isDir = (d: string) => d === path.join(dir, 'ok');
    expect(() => checkBuildContexts(p, ['a', 'c'], isDir)).not.toThrow();
    expect(() => checkBuildContexts(p, ['a', 'b', 'c'], isDir)).toThrow(`service "b": build context ${path.join(dir, 'missing')} not found: unable to prepare context (fix build.context)`);
  });
});

describe('down --rmi', () => {
  it('local: only the images built here without an image: name; all: every image a service uses, each once', () => {
    mkdirSync(path.join(dir, 'b'));
    const p = load('services:\n  built: {build: ./b}\n  named: {build: ./b, image: reg/named:1}\n  plain: {image: busybox}\n  again: {image: busybox}\n');
    expect(imagesToRemove(p, 'local')).toEqual(['p-built']);
    expect(imagesToRemove(p, 'all').sort()).toEqual(['busybox', 'p-built', 'reg/named:1']);
    expect(() => parseRmi('some')).toThrow('invalid --rmi "some": use local or all');
  });
});
