import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';

/**
 * `commit` and `history` (issue #13): a container's changes become an image that runs with
 * them — additions, changes, deletions, opaque directories, hardlinks — with the container's
 * config and the -c changes; history shows the new step on top of the image's.
 */
let root: string;
const mb = (...args: string[]) => minibox(args, { root, timeoutMs: 60_000 });

useBusyboxRoot((r) => (root = r));

const ID = /^sha256:[0-9a-f]{64}\n$/;

describe('commit', () => {
  it('a stopped container: the new image sees its files, its deletions and its hardlinks; tagged as asked', async () => {
    const script = [
      'echo hello > /x',
      'echo more >> /etc/passwd',
      'rm /etc/group',
      'rm -rf /usr && mkdir /usr && echo only > /usr/only', // an opaque dir
      'mkdir -p /data && echo linked > /data/a && ln /data/a /data/b',
      'chmod 4755 /x',
    ].join(' && ');
    expect((await mb('run', '--name', 'c1', 'busybox', 'sh', '-c', script)).code).toBe(0);
    const commit = await mb('commit', 'c1', 'committed:v1');
    expect(commit.stderr).toBe('');
    expect(commit).toMatchObject({ code: 0 });
    expect(commit.stdout).toMatch(ID);

    const check = [
      'cat /x',
      'tail -n1 /etc/passwd',
      'test ! -e /etc/group && echo group-gone',
      'ls /usr',
      'stat -c %i /data/a /data/b | uniq | wc -l',
      'stat -c %a /x',
      'test ! -s /etc/hosts || echo hosts-from-runtime',
    ].join('; ');
    const run = await mb('run', '--rm', 'committed:v1', 'sh', '-c', check);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('hello\nmore\ngroup-gone\nonly\n1\n4755\nhosts-from-runtime\n');

    const images = await mb('images');
    expect(images.stdout).toMatch(new RegExp(`^committed\\s+v1\\s+${commit.stdout.slice(7, 19)}\\s`, 'm'));
  });

  it('keeps the container config and applies -c: CMD ["cat","/x"] runs that', async () => {
    expect((await mb('run', '--name', 'c2', '-e', 'GREETING=hi', '-w', '/tmp', 'busybox', 'sh', '-c', 'echo from-x > /x')).code).toBe(0);
    const commit = await mb('commit', '-c', 'CMD ["cat","/x"]', '-c', 'ENV EXTRA="two words"', '-c', 'LABEL team=lab', 'c2', 'withcmd');
    expect(commit.stdout).toMatch(ID);
    expect((await mb('run', '--rm', 'withcmd')).stdout).toBe('from-x\n');
    const env = await mb('run', '--rm', 'withcmd', 'sh', '-c', 'echo "$GREETING|$EXTRA|$(pwd)"');
    expect(env.stdout).toBe('hi|two words|/tmp\n');
    const inspect = await mb('run', '--rm', 'withcmd', 'sh', '-c', 'echo "$HOSTNAME"');
    expect(inspect.stdout).not.toBe('\n'); // the runtime's own HOSTNAME, not the first container's
  });

  it("carries the container's Config as Docker's commit does: -p ports, -v volumes, --health-*, user, labels, stop signal; -c on top", async () => {
    // -p is recorded with --network none too (nothing is published): the test needs no bridge
    const created = await mb('run', '--name', 'c3', '--network', 'none', '-p', '18080:80', '-v', '/data', '--health-cmd', 'true', '--health-interval', '5s',
      '-u', 'nobody', '-w', '/tmp', '-e', 'A=1', '-l', 'team=x', '--stop-signal', 'SIGINT', 'busybox', 'true');
    expect(created.code, created.stderr).toBe(0);
    const commit = await mb('commit', '-c', 'EXPOSE 22', '-c', 'LABEL extra=y', 'c3', 'withconfig');
    expect(commit.stdout, commit.stderr).toMatch(ID);
    const inspect = await mb('image', 'inspect', '--format', '{{json .Config}}', 'withconfig');
    const cfg = JSON.parse(inspect.stdout) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      ExposedPorts: { '80/tcp': {}, '22/tcp': {} },
      Volumes: { '/data': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000 },
      User: 'nobody',
      WorkingDir: '/tmp',
      Labels: { team: 'x', extra: 'y' },
      StopSignal: 'SIGINT',
      Cmd: ['true'],
    });
    expect(cfg['Env']).toContain('A=1');
    // a container of the committed image gets them without the flags
    expect((await mb('run', '--rm', 'withconfig', 'sh', '-c', 'id -u; echo $A; pwd')).stdout).toBe('65534\n1\n/tmp\n');
  });

  it('history shows the commit on top, with author and message, the image rows below as <missing>', async () => {
    expect((await mb('run', '--name', 'c3', 'busybox', 'sh', '-c', 'echo x > /y')).code).toBe(0);
    const commit = await mb('commit', '-a', 'Ada <ada@example.com>', '-m', 'my change', 'c3', 'hist');
    expect(commit.code).toBe(0);
    const base = await mb('history', '-q', 'busybox');
    const h = await mb('history', 'hist');
    expect(h.code).toBe(0);
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${commit.stdout.slice(7, 19)}\\s+(Less than a second|\\d+ seconds) ago\\s+sh -c echo x > /y\\s+2B\\s+my change$`));
    expect(lines.length).toBe(2 + base.stdout.trimEnd().split('\n').length);
    expect(lines.slice(2).every((l) => l.startsWith('<missing>'))).toBe(true);
    const q = await mb('history', '-q', '--no-trunc', 'hist');
    expect(q.stdout.split('\n')[0]).toBe(commit.stdout.trim());
    const fmt = await mb('history', '--format', '{{.CreatedBy}}|{{.Size}}|{{.Comment}}', '-H=false', 'hist');
    expect(fmt.stdout.split('\n')[0]).toBe('sh -c echo x > /y|2|my change');
  });

  it('a running container is committed while frozen, and keeps running', async () => {
    expect((await mb('run', '-d', '--name', 'c4', 'busybox', 'sh', '-c', 'echo live > /live; exec sleep 60')).code).toBe(0);
    const commit = await mb('commit', 'c4', 'fromrunning');
    expect(commit.stdout).toMatch(ID);
    expect((await mb('run', '--rm', 'fromrunning', 'cat', '/live')).stdout).toBe('live\n');
    expect((await mb('ps', '--format', '{{.Names}} {{.State}}')).stdout).toContain('c4 running');
    expect((await mb('commit', '--pause=false', 'c4')).stdout).toMatch(ID);
  });

  it('a container that changed nothing (but the runtime placeholders) adds an empty history step and no layer', async () => {
    expect((await mb('run', '--name', 'c5', 'busybox', 'true')).code).toBe(0);
    const commit = await mb('commit', 'c5', 'same');
    expect(commit.code).toBe(0);
    const h = (await mb('history', '--format', '{{.Size}} {{.CreatedBy}}', 'same')).stdout.split('\n');
    expect(h[0]).toBe('0B true');
    const layersOf = (id: string) => (JSON.parse(readFileSync(path.join(root, 'images', 'by-id', `${id.replace('sha256:', '')}.json`), 'utf8')) as { layers: unknown[] }).layers.length;
    const base = (await mb('history', '-q', '--no-trunc', 'busybox')).stdout.split('\n')[0] ?? '';
    expect(layersOf(commit.stdout.trim())).toBe(layersOf(base));
  });

  it('bad input fails with one line and writes nothing', async () => {
    expect((await mb('run', '--name', 'c6', 'busybox', 'true')).code).toBe(0);
    const before = (await mb('images', '-q')).stdout;
    const bad = await mb('commit', '-c', 'RUN echo no', 'c6');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('RUN is not a valid change command');
    const ref = await mb('commit', 'c6', 'Bad Name');
    expect(ref.code).toBe(1);
    expect(ref.stderr).toContain('invalid reference format');
    const none = await mb('commit', 'nope');
    expect(none).toMatchObject({ code: 1 });
    expect(none.stderr).toContain('No such container: nope');
    expect((await mb('images', '-q')).stdout).toBe(before);
    expect((await mb('history', 'nope:nope')).stderr).toContain('No such image: nope:nope');
  });
});
