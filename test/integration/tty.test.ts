import { expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MINIBOX_BIN, REPO, minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';

/** run -it / exec -it through a real pty opened by the test (python3's pty module). */
let root: string;

useBusyboxRoot((r) => (root = r));

async function inPty(steps: unknown[], args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', [path.join(REPO, 'test', 'helpers', 'pty-drive.py'), JSON.stringify(steps), '--', process.execPath, MINIBOX_BIN, ...args], {
    env: { ...process.env, MINIBOX_ROOT: root },
    timeout: 30_000,
  });
  return stdout;
}

it('run -it: a tty, its size, a resize, Ctrl-C inside, the exit code', async () => {
  const out = await inPty(
    [['sleep', 0.8], ['send', 'stty size; [ -t 0 ] && echo TTY\n'], ['resize', 40, 120], ['send', 'stty size\n'],
      ['send', 'sleep 30\n'], ['sleep', 0.3], ['send', '\x03'], ['send', 'echo after-int\n'], ['send', 'exit 4\n']],
    ['run', '--rm', '-it', 'busybox', 'sh'],
  );
  expect(out).toContain('24 80\r\n');
  expect(out).toContain('TTY\r\n');
  expect(out).toContain('40 120\r\n');
  expect(out).toContain('after-int\r\n');
  expect(out).toMatch(/EXIT 4\n$/);
});

it('run -t without -i: output through the pty', async () => {
  const out = await inPty([], ['run', '--rm', '-t', 'busybox', 'sh', '-c', '[ -t 1 ] && echo TTY; exit 2']);
  expect(out).toMatch(/TTY\r+\n/); // no raw mode without -i: the outer tty adds its own \r
  expect(out).toMatch(/EXIT 2\n$/);
});

it('exec -it into a detached container, with a resize', async () => {
  expect((await minibox(['run', '-d', '--name', 'tt', 'busybox', 'sleep', '60'], { root })).code).toBe(0);
  const out = await inPty(
    [['sleep', 0.5], ['send', 'stty size\n'], ['resize', 33, 99], ['send', 'stty size; hostname\n'], ['send', 'exit 3\n']],
    ['exec', '-it', 'tt', 'sh'],
  );
  expect(out).toContain('24 80\r\n');
  expect(out).toContain('33 99\r\n');
  expect(out).toMatch(/EXIT 3\n$/);
});

it('run -dt logs the pty output as stdout', async () => {
  await minibox(['run', '-dt', '--name', 'dt', 'busybox', 'sh', '-c', 'echo hello; [ -t 1 ] && echo TTY'], { root });
  await minibox(['wait', 'dt'], { root });
  expect((await minibox(['logs', 'dt'], { root })).stdout).toBe('hello\r\nTTY\r\n');
});

it("-t: the pty is the container's own, /dev/pts/0 of its devpts, also /dev/console, owned by the container's user", async () => {
  const out = await inPty([], ['run', '--rm', '-t', 'busybox', 'tty']);
  expect(out).toMatch(/^\/dev\/pts\/0\r+\n/);
  const user = await inPty([], ['run', '--rm', '-t', '-u', 'nobody', 'busybox', 'sh', '-c', 'stat -c "%U %t:%T" $(tty) /dev/console']);
  expect(user).toMatch(/^nobody 88:0\r+\nnobody 88:0\r+\n/); // 136:0 in hex: one pty, twice
  // without a terminal there is no /dev/console, as in Docker
  expect((await minibox(['run', '--rm', 'busybox', 'sh', '-c', 'tty; [ -e /dev/console ] || echo no-console'], { root })).stdout).toBe('not a tty\nno-console\n');
});

it('exec -it: a pty of the container\'s devpts too', async () => {
  expect((await minibox(['run', '-dt', '--name', 'ptys', 'busybox', 'sh'], { root })).code).toBe(0);
  const out = await inPty([], ['exec', '-it', 'ptys', 'sh', '-c', 'tty; ls /dev/pts']);
  expect(out).toMatch(/^\/dev\/pts\/1\r\n0\s+1\s+ptmx\r\n/); // the init has pts/0, the exec pts/1
});
