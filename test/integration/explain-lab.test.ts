import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIBOX_BIN, REPO } from '../helpers/minibox.js';
import { podmanPath, runMiniboxLab } from '../helpers/labs.js';
import { COLUMN } from '../../src/cli/lab/text-layout.js';

/**
 * `minibox lab` as a student at a terminal sees it (issue #17): on a terminal it waits for
 * Enter before each step, and --non-interactive does not; with --compare the two engines'
 * outputs stand side by side, ` | ` on the lines that differ, the step's notes under them.
 * What the runner does is under test here, not the engines: `$ENGINE` is `true` for both
 * (MINIBOX=true, PODMAN=true: "busybox" is there, nothing is created), and the steps print
 * what tells the engines apart themselves. test/integration/labs.test.ts runs the real labs
 * with the real engines.
 */
let dir = '';
const FAKE_ENGINES = { MINIBOX: 'true', PODMAN: 'true' };

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'explain-lab-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeLab(name: string, lines: string[]): string {
  const lab = path.join(dir, name);
  mkdirSync(lab);
  writeFileSync(path.join(lab, 'steps'), `${lines.join('\n')}\n`);
  return lab;
}

/** `minibox lab ARGS` in a real pty (test/helpers/pty-drive.py), typing what `script` says when it says. */
async function labAtTerminal(script: unknown[], args: string[]): Promise<{ output: string; code: number }> {
  const { stdout } = await promisify(execFile)(
    'python3',
    [path.join(REPO, 'test', 'helpers', 'pty-drive.py'), JSON.stringify(script), '--', process.execPath, '--', MINIBOX_BIN, 'lab', ...args],
    { env: { ...process.env, ...FAKE_ENGINES }, timeout: 30_000 },
  );
  const output = stdout.replace(/\r\n/g, '\n');
  const code = Number(/\nEXIT (-?\d+)\n$/.exec(output)?.[1]);
  return { output: output.replace(/\nEXIT -?\d+\n$/, ''), code };
}

describe('minibox lab on a terminal', () => {
  let lab = '';
  let ran = '';
  beforeAll(() => {
    // host steps that say when they ran (LAB_DIR is the lab's folder: not a per-engine step)
    lab = makeLab('01-terminal', [
      'lab: Lab T: a terminal',
      'step: first',
      'why: the first step',
      'run: date +%s%3N >> "$LAB_DIR/ran"; echo first-ran',
      'expect: ^first-ran$',
      'step: second',
      'run: date +%s%3N >> "$LAB_DIR/ran"; echo second-ran',
      'expect: ^second-ran$',
    ]);
    ran = path.join(lab, 'ran');
  });
  const times = () => readFileSync(ran, 'utf8').trim().split('\n').map(Number);

  it('waits for Enter before each step, by default', async () => {
    rmSync(ran, { force: true });
    const t0 = Date.now();
    const r = await labAtTerminal([['sleep', 2], ['send', '\r'], ['sleep', 1.5], ['send', '\r'], ['sleep', 0.5]], [lab]);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/\(Enter runs it\) /g)).toHaveLength(2);
    const [first = 0, second = 0] = times();
    // each step ran only once its Enter came: 2 s after the start, then 1.5 s after the one before
    expect(first - t0).toBeGreaterThanOrEqual(1700);
    expect(second - first).toBeGreaterThanOrEqual(1200);
    // in order: the step, its command, the prompt, then its output and verdict
    const order = ['Step 1/2: first', 'the first step', '$ date +%s%3N', '(Enter runs it)', 'first-ran', 'Step 2/2: second', '(Enter runs it)', 'second-ran', '01-terminal: done'];
    let at = -1;
    for (const text of order) {
      const next = r.output.indexOf(text, at + 1);
      expect(next, `"${text}" after offset ${at} in:\n${r.output}`).toBeGreaterThan(at);
      at = next;
    }
  });

  it('--non-interactive runs straight through, at a terminal too', async () => {
    rmSync(ran, { force: true });
    const r = await labAtTerminal([['sleep', 0.2]], [lab, '--non-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('Enter runs it');
    const [first = 0, second = 0] = times();
    expect(second - first).toBeLessThan(1200);
    expect(r.output).toContain('second-ran');
  });
});

describe('minibox lab, refusing', () => {
  it('the engine that runs the lab as the one to compare, a LAB_PORT that is no port, --readme without a lab: exit 2, one line, nothing run', async () => {
    const lab = makeLab('03-refused', ['lab: Lab R: never run', 'step: one', 'run: touch "$LAB_DIR/ran"']);
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[lab, '--compare', 'minibox'], {}, /^minibox: --compare minibox is the engine that runs the lab already\n$/],
      [[lab, '--engine', 'podman', '--compare', 'podman'], {}, /^minibox: --compare podman is the engine that runs the lab already\n$/],
      [[lab, '--non-interactive'], { LAB_PORT: '70000' }, /^minibox: LAB_PORT=70000: not a port number\n$/],
      [['--readme'], {}, /^minibox: --readme needs a lab \(minibox lab --list shows them\)\n$/],
    ];
    for (const [args, env, stderr] of cases) {
      const r = await runMiniboxLab(args, { ...FAKE_ENGINES, ...env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(stderr);
    }
    expect(existsSync(path.join(lab, 'ran'))).toBe(false);
  });
});

describe('minibox lab --compare', () => {
  it("shows both engines' outputs side by side, ` | ` on the lines that differ, and the step's notes", async (ctx) => {
    if (!podmanPath()) return ctx.skip('podman is not installed: the runner refuses --compare podman without it');
    const lab = makeLab('02-compare', [
      'lab: Lab C: two engines',
      'step: one line the same, one not',
      'run: $ENGINE version; echo "the same"; echo "engine: $ME"',
      'expect[minibox]: ^engine: minibox$',
      'expect[podman]: ^engine: podman$',
      'note[podman]: podman names itself',
    ]);
    const r = await runMiniboxLab([lab, '--non-interactive', '--compare', 'podman'], FAKE_ENGINES);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    const rows = r.stdout.split('\n');
    const head = rows.indexOf(`${'== minibox (exit 0)'.padEnd(COLUMN)}   == podman (exit 0)`);
    expect(head, r.stdout).toBeGreaterThan(0);
    expect(rows.slice(head + 1, head + 3)).toEqual([`${'the same'.padEnd(COLUMN)}   the same`, `${'engine: minibox'.padEnd(COLUMN)} | engine: podman`]);
    expect(r.stdout).toContain('difference (podman): podman names itself');
    expect(r.stdout).toMatch(/02-compare: done \(minibox: 1 ok; podman: 1 ok\)/);
  });

  it('docker: side by side in the same way once its daemon answers; refused in one line while it does not', async () => {
    // a docker of our own first on the PATH: `docker info` answers as $DOCKER_INFO says
    const bin = path.join(dir, 'fake-docker-bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n[ "$1" = info ] && exit "${DOCKER_INFO:-0}"\nexit 0\n', { mode: 0o755 });
    const lab = makeLab('04-docker', ['lab: Lab D: docker', 'step: who', 'run: $ENGINE ps; echo "engine: $ME"', 'expect[docker]: ^engine: docker$']);
    const env = { MINIBOX: 'true', PATH: `${bin}:${process.env.PATH}` };

    const r = await runMiniboxLab([lab, '--non-interactive', '--compare', 'docker'], env);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('docker:  $ENGINE = docker; $PORT = ');
    const rows = r.stdout.split('\n');
    const head = rows.indexOf(`${'== minibox (exit 0)'.padEnd(COLUMN)}   == docker (exit 0)`);
    expect(head, r.stdout).toBeGreaterThan(0);
    expect(rows[head + 1]).toBe(`${'engine: minibox'.padEnd(COLUMN)} | engine: docker`);

    const down = await runMiniboxLab([lab, '--non-interactive', '--compare', 'docker'], { ...env, DOCKER_INFO: '1' });
    expect(down).toMatchObject({ code: 2, stdout: '', stderr: "minibox: docker is installed but its daemon does not answer ('docker info' failed)\n" });
  });
});
