import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The lecture's compose file (test/fixtures/compose/lecture: version '2', users-service and db
 * both built from Dockerfiles, users-service published on a port, depends_on db,
 * DATABASE_HOST=db) run with `minibox compose`: build, up -d, the host's HTTP client gets what
 * users-service fetched from db by name (the host's curl on 127.0.0.1:8123, or another port
 * when 8123 is taken), GREETING from the fixture's .env, ps and logs show both, a second up
 * changes nothing, a changed environment (the shell's GREETING over .env) recreates only that
 * service, down -v leaves nothing.
 */
const DIR = path.join(REPO, 'test', 'fixtures', 'compose', 'lecture');

let root = '';
let cleanup = () => {};
let port = 0;
const compose = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) =>
  minibox(['compose', '-f', path.join(DIR, 'docker-compose.yml'), '-p', 'lecture', ...args], { root, env: { USERS_PORT: String(port), ...env }, timeoutMs });

/** The lecture's 8123 when it is free on this host, else any free port. */
function listenOn(want: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(want, '127.0.0.1', () => {
      const { port: p } = s.address() as net.AddressInfo;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}
const lecturePort = (): Promise<number> => listenOn(8123).catch(() => listenOn(0));

/** The host's curl, as the lecture uses it: the body of a 200 answer, else undefined. */
function get(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('curl', ['-sf', '--max-time', '5', url], (err, stdout) => resolve(err ? undefined : stdout));
  });
}

async function ids(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const svc of ['db', 'users-service']) {
    const r = await minibox(['inspect', '--format', '{{.Id}}', `lecture-${svc}-1`], { root });
    if (r.code === 0) out[svc] = r.stdout.trim();
  }
  return out;
}

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  port = await lecturePort();
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
});

afterEach(async () => {
  // whatever a failed test left: the project's own down, then anything else
  await compose(['down', '-v', '--remove-orphans']);
});

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('minibox compose: the lecture example', () => {
  it('a missing required variable is an error that names it, and nothing is started', async () => {
    const r = await minibox(['compose', '-f', path.join(DIR, 'docker-compose.yml'), '-p', 'lecture', 'up', '-d'], { root, env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('required variable USERS_PORT is missing a value: set USERS_PORT to a free port');
    expect(r.stderr).toMatch(/docker-compose\.yml:8: error while interpolating services\.users-service\.ports\[0\]/);
    expect((await minibox(['ps', '-aq'], { root })).stdout).toBe('');
  });

  it('config prints the resolved model', async () => {
    const r = await compose(['config']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the attribute `version` is obsolete');
    expect(r.stdout).toContain('name: lecture');
    expect(r.stdout).toContain(`published: "${port}"`);
    expect(r.stdout).toContain('DATABASE_HOST: db');
    // YAML that reads back into the resolved model: .env's GREETING, depends_on in its long form
    const model = parse(r.stdout) as { services: Record<string, { environment?: unknown; depends_on?: unknown }> };
    expect(Object.keys(model.services)).toEqual(['db', 'users-service']);
    expect(model.services['users-service']?.environment).toEqual({ DATABASE_HOST: 'db', GREETING: 'from-dotenv' });
    expect(model.services['users-service']?.depends_on).toEqual({ db: { condition: 'service_started', required: true } });
    // --env-file replaces .env
    const alt = await compose(['--env-file', path.join(DIR, 'alt.env'), 'config']);
    expect(alt.code, alt.stderr).toBe(0);
    expect((parse(alt.stdout) as typeof model).services['users-service']?.environment).toEqual({ DATABASE_HOST: 'db', GREETING: 'from-env-file' });
  });

  it('build, up -d, ps, logs, idempotent up, a changed service recreated alone, down -v', async () => {
    const built = await compose(['build'], {}, 300_000);
    expect(built.code, built.stderr).toBe(0);

    const upped = await compose(['up', '-d']);
    expect(upped.code, upped.stderr).toBe(0);
    expect(upped.stderr).toContain('Network lecture_default  Created');
    // db first: users-service depends on it
    expect(upped.stderr.indexOf('lecture-db-1  Started')).toBeLessThan(upped.stderr.indexOf('lecture-users-service-1  Started'));

    const body = await waitFor(async () => {
      const b = await get(`http://127.0.0.1:${port}/cgi-bin/users`);
      return b?.includes('users-from-db') ? b : undefined;
    }, { timeout: 20_000, interval: 100, what: 'users-service answering with what db sent' });
    expect(body).toContain('greeting=from-dotenv'); // .env interpolated into ${GREETING:-hello}

    // the users-service container reaches db by its service name
    const byName = await minibox(['exec', 'lecture-users-service-1', 'sh', '-c', 'nc -w 2 db 3306 </dev/null'], { root });
    expect(byName.stdout.trim()).toBe('users-from-db');

    const ps = await compose(['ps']);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS/);
    expect(ps.stdout).toMatch(/lecture-db-1\s+lecture-db\s.*\sdb\s.*Up/);
    expect(ps.stdout).toMatch(/lecture-users-service-1\s.*users-service\s.*Up.*8123/);

    const logs = await waitFor(async () => {
      const l = await compose(['logs']);
      return l.stdout.includes('db ready') && l.stdout.includes('users-service ready') ? l.stdout : undefined;
    }, { what: 'both services in the logs' });
    expect(logs).toMatch(/^db-1 +\| db ready$/m);
    expect(logs).toMatch(/^users-service-1 +\| users-service ready$/m);

    const before = await ids();
    expect(Object.keys(before)).toEqual(['db', 'users-service']);
    const again = await compose(['up', '-d']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('lecture-db-1  Running');
    expect(await ids()).toEqual(before);

    // -t 1: httpd as PID 1 ignores SIGTERM; the recreate need not wait the default 10 s for it
    const changed = await compose(['up', '-d', '-t', '1'], { GREETING: 'changed' });
    expect(changed.code, changed.stderr).toBe(0);
    const after = await ids();
    expect(after.db).toBe(before.db);
    expect(after['users-service']).not.toBe(before['users-service']);
    await waitFor(async () => (await get(`http://127.0.0.1:${port}/cgi-bin/users`))?.includes('greeting=changed'), {
      timeout: 20_000,
      interval: 100,
      what: 'the recreated users-service',
    });

    const down = await compose(['down', '-v'], { GREETING: 'changed' });
    expect(down.code, down.stderr).toBe(0);
    expect((await minibox(['ps', '-aq'], { root })).stdout).toBe('');
    expect((await minibox(['network', 'ls', '--format', '{{.Name}}'], { root })).stdout).not.toContain('lecture_default');
  }, 600_000);
});

describe('minibox compose: depends_on conditions and merged files', () => {
  const GATES = path.join(REPO, 'test', 'fixtures', 'compose', 'gates');
  const gates = (files: string[], args: string[]) =>
    minibox(['compose', ...files.flatMap((f) => ['-f', path.join(GATES, f)]), ...args], { root, timeoutMs: 120_000 });
  afterEach(async () => {
    await gates(['compose.yaml'], ['down', '-v', '--remove-orphans']);
  });

  it('waits for service_healthy and service_completed_successfully before starting the dependent', async () => {
    const r = await gates(['compose.yaml'], ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    const healthy = r.stderr.indexOf('gates-db-1  Healthy');
    const exited = r.stderr.indexOf('gates-migrate-1  Exited');
    const started = r.stderr.indexOf('gates-app-1  Started');
    expect(healthy).toBeGreaterThan(-1);
    expect(exited).toBeGreaterThan(-1);
    expect(started).toBeGreaterThan(Math.max(healthy, exited));
    // the app saw what the migration wrote into the shared named volume
    const logs = await waitFor(async () => {
      const l = await gates(['compose.yaml'], ['logs', 'app']);
      return l.stdout.includes('migrated') ? l.stdout : undefined;
    }, { what: "app's output" });
    expect(logs).toMatch(/^app-1 +\| migrated$/m);
    expect((await minibox(['volume', 'ls', '-q'], { root })).stdout.trim()).toBe('gates_shared');

    const down = await gates(['compose.yaml'], ['down', '-v']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain('Volume gates_shared  Removed');
    expect((await minibox(['volume', 'ls', '-q'], { root })).stdout).toBe('');
    expect((await minibox(['ps', '-aq'], { root })).stdout).toBe('');
  }, 120_000);

  it('a second -f merged over the first: a failed migration stops up before the app starts', async () => {
    const r = await gates(['compose.yaml', 'failing-migration.yaml'], ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('service "migrate" didn\'t complete successfully: exit 3');
    expect((await minibox(['inspect', 'gates-app-1'], { root })).code).not.toBe(0);
  }, 120_000);

  it('down finds what it made by labels after the file changed: orphans warned about, or removed with --remove-orphans', async () => {
    expect((await gates(['compose.yaml'], ['up', '-d'])).code).toBe(0);
    const kept = await gates(['changed.yaml'], ['down']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toContain('Found orphan containers ([gates-app-1])');
    expect(kept.stderr).toContain('Container gates-db-1  Removed');
    expect((await minibox(['inspect', 'gates-app-1'], { root })).code).toBe(0);
    const gone = await gates(['changed.yaml'], ['down', '-v', '--remove-orphans']);
    expect(gone.code, gone.stderr).toBe(0);
    expect((await minibox(['ps', '-aq'], { root })).stdout).toBe('');
    expect((await minibox(['volume', 'ls', '-q'], { root })).stdout).toBe('');
  }, 120_000);
});
