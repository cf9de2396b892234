import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { waitFor } from '../helpers/wait.js';

/** exec into a running detached container: namespaces, cgroup, env, -w, -u, exit codes. */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });

useBusyboxRoot((r) => (root = r));

it("sees the container's processes, hostname and files; passes the exit code", async () => {
  await mb('run', '-d', '--name', 'ex', '-h', 'box', '-e', 'FROM=image', 'busybox', 'sh', '-c', 'echo x > /marker; sleep 60');
  // the shell has written /marker and exec'd sleep once PID 1 is sleep
  await waitFor(async () => (await mb('exec', 'ex', 'cat', '/proc/1/comm')).stdout === 'sleep\n', { what: 'PID 1 to become sleep' });
  const r = await mb('exec', 'ex', 'sh', '-c', 'hostname; cat /marker; ps -o pid,comm | sed -n 2p; echo $FROM');
  expect(r).toMatchObject({ code: 0, stdout: 'box\nx\n    1 sleep\nimage\n' });
  expect((await mb('exec', 'ex', 'sh', '-c', 'exit 42')).code).toBe(42);
  const nf = await mb('exec', 'ex', 'no-such');
  expect(nf.code).toBe(127);
});

it('-e, -w, -u', async () => {
  await mb('run', '-d', '--name', 'ew', 'busybox', 'sleep', '60');
  expect((await mb('exec', '-e', 'A=1', '-w', '/tmp', 'ew', 'sh', '-c', 'echo $A; pwd')).stdout).toBe('1\n/tmp\n');
  expect((await mb('exec', '-u', 'nobody', 'ew', 'id', '-u')).stdout).toBe('65534\n');
  expect((await mb('exec', '-u', '1000:1000', 'ew', 'id')).stdout).toBe('uid=1000 gid=1000 groups=1000\n'); // Docker: the primary gid among the groups
});

it('exec -d runs on in the background', async () => {
  const id = (await mb('run', '-d', '--name', 'ed', 'busybox', 'sleep', '60')).stdout.trim();
  const written = path.join(root, 'containers', id, 'upper', 'bg'); // the container's writes, seen from the host
  expect((await mb('exec', '-d', 'ed', 'sh', '-c', 'sleep 0.5; echo done > /bg')).code).toBe(0);
  expect(existsSync(written)).toBe(false); // exec -d returned before its command finished
  await waitFor(() => existsSync(written) && readFileSync(written, 'utf8') === 'done\n', { what: 'the background command to write /bg' });
  expect((await mb('exec', 'ed', 'cat', '/bg')).stdout).toBe('done\n');
});

it('on a stopped container: not running, exit 1', async () => {
  const id = (await mb('run', '-d', '--name', 'es', 'busybox', 'true')).stdout.trim();
  await mb('wait', 'es');
  const r = await mb('exec', 'es', 'true');
  expect(r).toMatchObject({ code: 1, stderr: `minibox: container ${id} is not running\n` });
  expect((await mb('exec', 'nope', 'true')).stderr).toBe('minibox: No such container: nope\n');
});
