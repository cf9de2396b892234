import { describe, expect, it } from 'vitest';
import { configHash, containerLabels, containerName, LABEL } from '../../../src/compose/labels.js';
import type { ComposeProject, ServiceConfig } from '../../../src/compose/model.js';
import { planUp, selectServices, type ObservedContainer } from '../../../src/compose/plan.js';

function project(services: ServiceConfig[]): ComposeProject {
  return {
    name: 'demo',
    workingDir: '/src/demo',
    configFiles: ['/src/demo/compose.yaml'],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    disabledServices: {},
    networks: { default: { name: 'demo_default' } },
    volumes: { data: { name: 'demo_data' } },
    warnings: [],
  };
}

const db: ServiceConfig = { name: 'db', image: 'busybox', networks: { default: null }, volumes: [{ type: 'volume', source: 'data', target: '/d' }] };
const web: ServiceConfig = {
  name: 'web',
  image: 'busybox',
  environment: { DATABASE_HOST: 'db' },
  depends_on: { db: { condition: 'service_started', required: true } },
  networks: { default: null },
};

/** A fake engine's view: containers made earlier from these services. */
function running(p: ComposeProject, svc: ServiceConfig, id: string, opts: { running?: boolean; image?: string } = {}): ObservedContainer {
  return { id, name: containerName(p.name, svc, 1), running: opts.running ?? true, labels: containerLabels(p, svc, 1, opts.image ?? 'sha256:img') };
}

const none = { services: [], noDeps: false, forceRecreate: false, imageIds: {} };

describe('compose planner', () => {
  it('creates everything in depends_on order on a fresh host, with the networks and volumes used', () => {
    const plan = planUp(project([web, db]), [], none);
    expect(plan.actions).toEqual([
      { kind: 'create', service: 'db', number: 1 },
      { kind: 'create', service: 'web', number: 1 },
    ]);
    expect(plan.networks).toEqual(['default']);
    expect(plan.volumes).toEqual(['data']);
  });

  it('is idempotent: an unchanged running project is kept, a stopped one started', () => {
    const p = project([web, db]);
    const seen = [running(p, db, 'c-db', { running: false }), running(p, web, 'c-web')];
    const plan = planUp(p, seen, { ...none, imageIds: { db: 'sha256:img', web: 'sha256:img' } });
    expect(plan.actions.map((a) => `${a.kind}:${a.service}`)).toEqual(['start:db', 'keep:web']);
  });

  it('recreates only the service whose configuration changed', () => {
    const p = project([web, db]);
    const seen = [running(p, db, 'c-db'), running(p, web, 'c-web')];
    const changed = project([{ ...web, environment: { DATABASE_HOST: 'other' } }, db]);
    const plan = planUp(changed, seen, none);
    expect(plan.actions.map((a) => `${a.kind}:${a.service}`)).toEqual(['keep:db', 'recreate:web']);
    expect(plan.actions[1]).toMatchObject({ reason: 'config', old: { id: 'c-web' } });
  });

  it('recreates on a new image id, and everything with --force-recreate', () => {
    const p = project([web, db]);
    const seen = [running(p, db, 'c-db'), running(p, web, 'c-web')];
    expect(planUp(p, seen, { ...none, imageIds: { db: 'sha256:new' } }).actions.map((a) => a.kind)).toEqual(['recreate', 'keep']);
    expect(planUp(p, seen, { ...none, forceRecreate: true }).actions.map((a) => a.kind)).toEqual(['recreate', 'recreate']);
  });

  it('SERVICE… brings its dependencies unless --no-deps', () => {
    const p = project([web, db]);
    expect(selectServices(p, ['web'], false)).toEqual(['db', 'web']);
    expect(selectServices(p, ['web'], true)).toEqual(['web']);
    expect(() => selectServices(p, ['nope'], false)).toThrow('no such service: nope');
  });

  it('finds orphans by label and ignores other projects and one-off containers', () => {
    const p = project([web, db]);
    const old = running(p, { name: 'gone', image: 'x' }, 'c-gone');
    const other = { ...running(p, db, 'c-other'), labels: { ...running(p, db, 'x').labels, [LABEL.project]: 'other' } };
    const plan = planUp(p, [old, other], none);
    expect(plan.orphans.map((c) => c.id)).toEqual(['c-gone']);
    expect(plan.actions.map((a) => a.kind)).toEqual(['create', 'create']);
  });

  it("labels are Compose's; the hash ignores build and profiles but not the environment", () => {
    const p = project([web, db]);
    const labels = containerLabels(p, web, 1, 'sha256:img');
    expect(labels).toMatchObject({
      [LABEL.project]: 'demo',
      [LABEL.service]: 'web',
      [LABEL.number]: '1',
      [LABEL.oneoff]: 'False',
      [LABEL.workingDir]: '/src/demo',
      [LABEL.configFiles]: '/src/demo/compose.yaml',
      [LABEL.configHash]: configHash(web),
    });
    expect(containerName('demo', web, 1)).toBe('demo-web-1');
    expect(configHash({ ...web, build: { context: '/x' }, profiles: ['a'] })).toBe(configHash(web));
    expect(configHash({ ...web, environment: { DATABASE_HOST: 'x' } })).not.toBe(configHash(web));
    // key order in the file does not matter
    expect(configHash({ networks: web.networks, name: 'web', image: 'busybox', depends_on: web.depends_on, environment: web.environment })).toBe(configHash(web));
  });
});
