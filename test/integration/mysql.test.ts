import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MINIBOX_BIN, REPO, makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { removeAll } from '../helpers/detached.js';
import { MYSQL_BUILD_TIMEOUT_MS, MYSQL_IMAGE, loadMysqlImage } from '../helpers/mysql-image.js';
import { startMirror, type MirrorLab } from '../helpers/mirror.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The lecture's MySQL demo, typed as the students type it with minibox for docker:
 *   minibox run --name db --detach --env MYSQL_ROOT_PASSWORD=123 --publish 4407:3306 mysql:latest
 * then the host's client on 127.0.0.1:4407, `exec` into it, `logs`, stop/start keeping the
 * data, "run it again" as db2 on 4408, and `rm -f -v` leaving nothing. The image is the
 * offline stand-in (images/mysql), honouring the official image's contract, so the
 * entrypoint's own behaviour is checked too: the missing-password error, MYSQL_DATABASE /
 * MYSQL_USER / MYSQL_PASSWORD(_FILE), MYSQL_RANDOM_ROOT_PASSWORD and initdb.d.
 * The test's root starts empty: the seed's command pulls mysql:latest from docker.io, which
 * `registry-mirrors` sends to the lab registry the stand-in was pushed to (test/helpers/mirror.ts).
 * The lecture's ports are fixed: if 4407 or 4408 is taken on this host, the file fails
 * saying so rather than quietly using others.
 */

/**
 * Where the test's mysql:latest comes from: as on a student's machine, from a registry. The
 * stand-in is loaded into a staging root and pushed to the lab registry as
 * library/mysql:latest; the test's own root stays empty, and its docker.io pulls go to that
 * registry through `registry-mirrors` (MINIBOX_CONFIG, Docker Hub's stand-in on a dead port),
 * so the seed's command finds no image and pulls it the normal way. Resolves to the env the
 * commands run with and the manifest digest the registry serves.
 */
async function provideMysqlImage(): Promise<{ env: Record<string, string>; digest: string }> {
  const staging = makeStateRoot();
  try {
    await loadMysqlImage(staging.root);
    mirror = await startMirror();
    await mirror.publish(staging.root, MYSQL_IMAGE, 'library/mysql:latest');
    // the manifest as loaded is the one pushed, byte for byte: its digest is what the registry serves
    const repoDigests = (await minibox(['image', 'inspect', '-f', '{{json .RepoDigests}}', MYSQL_IMAGE], { root: staging.root })).stdout;
    const digest = /^\["mysql@(sha256:[0-9a-f]{64})"\]$/.exec(repoDigests.trim())?.[1];
    if (!digest) throw new Error(`the staged mysql:latest has no single repo digest: ${repoDigests}`);
    return { env: mirror.env(), digest };
  } finally {
    staging.cleanup();
  }
}

const READY_TIMEOUT_MS = 90_000;
const SEED = ['run', '--name', 'db', '--detach', '--env', 'MYSQL_ROOT_PASSWORD=123', '--publish', '4407:3306', 'mysql:latest'];

let root = '';
let cleanup = () => {};
let initdb = '';
let mirror: MirrorLab | undefined;
let pullEnv: Record<string, string> = {};
let registryDigest = '';
const mb = (args: string[], timeoutMs = 60_000): Promise<Result> => minibox(args, { root, timeoutMs, env: pullEnv });

/** The host's own client (Debian's mariadb-client, scripts/setup.sh), as the lecture types it. */
async function hostMysql(port: number, password: string, sql: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('mysql', ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', `-p${password}`, '-e', sql], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** Refuse to start on a host where another program holds one of the lecture's ports. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`port ${port} is in use on this host (${err.code}); the lecture's command publishes it: free it and run again`)),
    );
    s.listen(port, '0.0.0.0', () => s.close(() => resolve()));
  });
}

/** A Node server holding `port` on all addresses, as another program on the host would. */
function holdPort(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '0.0.0.0', () => resolve(s));
  });
}

// MariaDB breaks the line before "Version:", MySQL 8 does not: the stand-in's and the official image's logs both match
const readyLines = (logs: string) => [...logs.matchAll(/ready for connections\.\s+Version: .*?port: (\d+)/g)].map((m) => m[1]);

/** Until the container's log shows the real server (port 3306) ready `times` times in all. */
async function waitReady(name: string, times = 1): Promise<string> {
  return waitFor(
    async () => {
      const r = await mb(['logs', name]);
      const all = r.stdout + r.stderr;
      return readyLines(all).filter((p) => p === '3306').length >= times ? all : undefined;
    },
    { timeout: READY_TIMEOUT_MS, interval: 200, what: `${name}'s "ready for connections ... port: 3306"` },
  );
}

async function inPty(steps: unknown[], args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', [path.join(REPO, 'test', 'helpers', 'pty-drive.py'), JSON.stringify(steps), '--', process.execPath, MINIBOX_BIN, ...args], {
    env: { ...process.env, MINIBOX_ROOT: root },
    timeout: 60_000,
  });
  return stdout;
}

async function containerNames(): Promise<string[]> {
  return (await mb(['ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
}

async function volumeNames(): Promise<string[]> {
  return (await mb(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  await assertPortFree(4407);
  await assertPortFree(4408);
  ({ env: pullEnv, digest: registryDigest } = await provideMysqlImage());
  ({ root, cleanup } = makeStateRoot());
  initdb = mkdtempSync(path.join(os.tmpdir(), 'mysql-initdb-'));
  writeFileSync(path.join(initdb, '10-schema.sql'), 'CREATE TABLE course (name VARCHAR(40));\nINSERT INTO course VALUES (\'containers\');\n');
  writeFileSync(path.join(initdb, '20-more.sql.gz'), gzipSync('INSERT INTO course VALUES (\'microservices\');\n'));
  writeFileSync(path.join(initdb, '30-note.sh'), 'echo "initdb script ran for $MYSQL_DATABASE"\n');
  writeFileSync(path.join(initdb, 'app-password'), 'lecture-pw\n');
  chmodSync(initdb, 0o755);
}, MYSQL_BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  if (root) {
    await removeAll(root);
    for (const v of await volumeNames()) await mb(['volume', 'rm', '-f', v]);
  }
  cleanup();
  await mirror?.stop();
  if (initdb) rmSync(initdb, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
}, 180_000);

describe('the lecture: docker run --name db ... mysql:latest, with minibox', () => {
  it('the seed command in an empty root: pulls mysql:latest through the registry mirror, prints the id; the log shows the temporary server (port 0), then the real one on 3306', async () => {
    expect((await mb(['image', 'inspect', MYSQL_IMAGE])).code).not.toBe(0); // nothing local: run must pull
    const r = await mb(SEED, 300_000);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(r.code).toBe(0);
    // Docker's words for run's pull, on stderr, from the mirror (no "unavailable" note: it answered)
    expect(r.stderr).toContain("Unable to find image 'mysql:latest' locally\n");
    expect(r.stderr).toContain('latest: Pulling from library/mysql\n');
    expect(r.stderr).toContain(`Digest: ${registryDigest}\n`);
    expect(r.stderr).toContain('Status: Downloaded newer image for mysql:latest\n');
    expect(r.stderr).not.toContain('unavailable');
    expect((await mb(['images'])).stdout).toMatch(/^mysql\s+latest\s/m);
    expect((await mb(['image', 'inspect', '-f', '{{json .RepoDigests}}', MYSQL_IMAGE])).stdout.trim()).toBe(`["mysql@${registryDigest}"]`);
    const logs = await waitReady('db');
    expect(readyLines(logs)).toEqual(['0', '3306']);
    expect(logs).toContain("[Note] [Entrypoint]: Switching to dedicated user 'mysql'");
  });

  it("the host's client: mysql -h 127.0.0.1 -P 4407 -u root -p123 -e 'select version()'", async () => {
    const r = await hostMysql(4407, '123', 'select version()');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^version\(\)\n\d+\.\d+\.\d+/);
    expect(r.code).toBe(0);
    // the password is required: root over TCP without it is refused
    const bad = await hostMysql(4407, 'wrong', 'select 1');
    expect(bad.stderr).toContain("Access denied for user 'root'");
    expect(bad.code).not.toBe(0);
  });

  it('exec db mysql -uroot -p123 inside the container; mysqld runs as uid 999 with /var/lib/mysql its own', async () => {
    const r = await mb(['exec', 'db', 'mysql', '-uroot', '-p123', '-e', 'select current_user()']);
    expect(r.stdout).toBe('current_user()\nroot@localhost\n');
    expect(r.code).toBe(0);
    const who = await mb(['exec', 'db', 'sh', '-c', 'grep ^Uid: /proc/1/status; stat -L -c "%u:%g" /var/lib/mysql /var/run/mysqld']);
    expect(who.stdout).toBe('Uid:\t999\t999\t999\t999\n999:999\n999:999\n');
  });

  it('exec -it db /bin/bash: a shell in which mysql -uroot -p123 works', async () => {
    const out = await inPty(
      [['sleep', 0.8], ['send', "mysql -uroot -p123 -e 'select 6*7 as answer'\r"], ['sleep', 1], ['send', 'exit\r']],
      ['exec', '-it', 'db', '/bin/bash'],
    );
    expect(out).toMatch(/\| answer \|/);
    expect(out).toMatch(/\| +42 \|/);
    expect(out).toMatch(/EXIT 0\n$/);
  });

  it('logs db: the server is ready for connections on port 3306', async () => {
    const r = await mb(['logs', 'db']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/mysqld: ready for connections\.\s+Version: '[^']+'  socket: '[^']*mysqld\.sock'  port: 3306/);
  });

  it('the data lives in the VOLUME: a database created, stop, start, it is there', async () => {
    expect((await hostMysql(4407, '123', 'CREATE DATABASE lecture; CREATE TABLE lecture.t (x INT); INSERT INTO lecture.t VALUES (4407)')).code).toBe(0);
    const [info] = JSON.parse((await mb(['inspect', 'db'])).stdout) as { Mounts: { Type: string; Destination: string }[] }[];
    expect(info!.Mounts.map((m) => `${m.Type} ${m.Destination}`)).toEqual(['volume /var/lib/mysql']);
    expect((await mb(['stop', 'db'])).code).toBe(0);
    expect((await mb(['ps', '-a', '--filter', 'name=db', '--format', '{{.Status}}'])).stdout).toMatch(/^Exited \(0\)/);
    expect((await mb(['start', 'db'])).code).toBe(0);
    await waitReady('db', 2);
    const r = await hostMysql(4407, '123', 'SELECT x FROM lecture.t');
    expect(r.stdout).toBe('x\n4407\n');
  });

  it('a second --name db: Docker\'s conflict error naming the existing container, nothing created', async () => {
    const id = (await mb(['inspect', '-f', '{{.Id}}', 'db'])).stdout.trim();
    const r = await mb(['run', '--name', 'db', '--detach', '--env', 'MYSQL_ROOT_PASSWORD=123', '--publish', '4409:3306', 'mysql:latest']);
    expect(r.stderr).toBe(
      `minibox: Conflict. The container name "/db" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.\n`,
    );
    expect(r.code).toBe(125);
    expect(await containerNames()).toEqual(['db']);
  });

  it('run it again as db2 on 4408: another, independent database beside the first', async () => {
    const r = await mb(['run', '--name', 'db2', '--detach', '--env', 'MYSQL_ROOT_PASSWORD=123', '--publish', '4408:3306', 'mysql:latest']);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    await waitReady('db2');
    expect((await hostMysql(4408, '123', "SHOW DATABASES LIKE 'lecture'")).stdout).toBe('');
    expect((await hostMysql(4407, '123', "SHOW DATABASES LIKE 'lecture'")).stdout).toBe('Database (lecture)\nlecture\n');
  });

  it('rm -f -v db db2 leaves nothing: no container, no volume, nothing on the host', async () => {
    const r = await mb(['rm', '-f', '-v', 'db', 'db2'], 120_000);
    expect(r.stdout).toBe('db\ndb2\n');
    expect(r.code).toBe(0);
    expect(await containerNames()).toEqual([]);
    expect(await volumeNames()).toEqual([]);
    expect(leakcheck()).toEqual([]);
    // the entrypoint chowns its files to mysql (999): the host's own /dev/null must be
    // untouched (it was once found 999:999 on a development host; nothing may reach it)
    const devNull = statSync('/dev/null');
    expect([devNull.uid, devNull.gid, devNull.mode & 0o7777]).toEqual([0, 0, 0o666]);
  });

  it('port 4407 held by another program (the image now local): a clear error naming the port, nothing left behind', async () => {
    const server = await holdPort(4407);
    try {
      const r = await mb(SEED);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^minibox: .*0\.0\.0\.0:4407.*address already in use\n$/);
      expect(r.code).toBe(125);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await containerNames()).toEqual([]);
    expect(await volumeNames()).toEqual([]);
    expect(leakcheck()).toEqual([]);
  });
});

describe("the image's entrypoint contract", () => {
  it('without a password option: the entrypoint says which variables to set, in logs, and exits 1', async () => {
    expect((await mb(['run', '--name', 'nopw', '--detach', 'mysql:latest'])).code).toBe(0);
    expect((await mb(['wait', 'nopw'], 60_000)).stdout).toBe('1\n');
    const logs = await mb(['logs', 'nopw']);
    expect(logs.stderr).toMatch(
      /\[ERROR\] \[Entrypoint\]: Database is uninitialized and password option is not specified\n {4}You need to specify one of the following as an environment variable:\n {4}- MYSQL_ROOT_PASSWORD\n {4}- MYSQL_ALLOW_EMPTY_PASSWORD\n {4}- MYSQL_RANDOM_ROOT_PASSWORD\n$/,
    );
    expect((await mb(['rm', '-v', 'nopw'])).code).toBe(0);
  });

  it('MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD_FILE, MYSQL_RANDOM_ROOT_PASSWORD and initdb.d (*.sql, *.sql.gz, *.sh)', async () => {
    const r = await mb([
      'run', '--name', 'shop', '--detach',
      '-e', 'MYSQL_RANDOM_ROOT_PASSWORD=yes', '-e', 'MYSQL_DATABASE=school', '-e', 'MYSQL_USER=student',
      '-e', 'MYSQL_PASSWORD_FILE=/docker-entrypoint-initdb.d/app-password',
      '-v', `${initdb}:/docker-entrypoint-initdb.d:ro`, 'mysql:latest',
    ]);
    expect(r.code).toBe(0);
    const logs = await waitReady('shop');
    expect(logs).toContain('initdb script ran for school\n');
    expect(logs).toMatch(/ignoring \/docker-entrypoint-initdb\.d\/app-password\n/);
    const generated = /GENERATED ROOT PASSWORD: (\S+)\n/.exec(logs)?.[1];
    expect(generated).toMatch(/^[A-Za-z0-9]{32}$/);

    // the user sees the init files' rows in its database (a trailing newline in the file is not the password)
    const user = await mb(['exec', 'shop', 'mysql', '-ustudent', '-plecture-pw', 'school', '-e', 'SELECT name FROM course ORDER BY name']);
    expect(user.stdout).toBe('name\ncontainers\nmicroservices\n');
    const root = await mb(['exec', 'shop', 'mysql', '-uroot', `-p${generated}`, '-e', 'SELECT COUNT(*) AS n FROM mysql.user WHERE user = "root"']);
    expect(root.stdout).toBe('n\n2\n'); // root@localhost and root@%, nothing passwordless beside them
    expect((await mb(['rm', '-f', '-v', 'shop'])).code).toBe(0);
  });
});
