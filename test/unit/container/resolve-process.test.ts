import { describe, expect, it } from 'vitest';
import { resolveArgs, resolveCwd, resolveEnv, resolveUser, expandEnvFlags, DEFAULT_PATH } from '../../../src/container/resolve-process.js';
import { MiniboxError } from '../../../src/util/errors.js';

describe('argv from image config and flags (Docker rules)', () => {
  const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'] };

  it('joins the image Entrypoint and Cmd', () => {
    expect(resolveArgs(image, { command: [] })).toEqual(['/entry.sh', 'serve', '--port', '80']);
  });
  it('replaces Cmd with the command line, keeping the Entrypoint', () => {
    expect(resolveArgs(image, { command: ['debug'] })).toEqual(['/entry.sh', 'debug']);
  });
  it('--entrypoint replaces the Entrypoint and drops the image Cmd', () => {
    expect(resolveArgs(image, { command: [], entrypoint: '/bin/sh' })).toEqual(['/bin/sh']);
    expect(resolveArgs(image, { command: ['-c', 'true'], entrypoint: '/bin/sh' })).toEqual(['/bin/sh', '-c', 'true']);
  });
  it('--entrypoint "" clears it, so the command runs alone', () => {
    expect(resolveArgs(image, { command: ['ls'], entrypoint: '' })).toEqual(['ls']);
  });
  it('no command at all is an error', () => {
    expect(() => resolveArgs({}, { command: [] })).toThrow(MiniboxError);
  });
});

describe('user', () => {
  it("takes the image's USER, -u over it, root ('') without either", () => {
    expect(resolveUser({ User: 'app:staff' }, undefined)).toBe('app:staff');
    expect(resolveUser({ User: 'app' }, '1000:1000')).toBe('1000:1000');
    expect(resolveUser({}, undefined)).toBe('');
  });
  it('refuses a newline (it would split the shim config record)', () => {
    expect(() => resolveUser({ User: 'a\nb' }, undefined)).toThrow(/invalid user/);
  });
});

describe('environment', () => {
  it('starts from PATH and HOSTNAME, then image Env, then -e; no HOME (the shim takes it from passwd)', () => {
    const env = resolveEnv({ Env: ['PATH=/opt/bin', 'A=image', 'B=image'] }, ['B=flag', 'C=flag'], 'box');
    expect(env).toEqual(['PATH=/opt/bin', 'HOSTNAME=box', 'A=image', 'B=flag', 'C=flag']);
  });
  it('uses the default PATH when the image has none and keeps an image HOME', () => {
    expect(resolveEnv({ Env: ['HOME=/home/app'] }, [], 'h')).toEqual([`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'HOME=/home/app']);
  });
  it('-e KEY copies from the caller, and drops unset keys', () => {
    expect(expandEnvFlags(['FOO', 'NOPE', 'X=1'], { FOO: 'bar' })).toEqual(['FOO=bar', 'X=1']);
  });
  it('rejects -e =value', () => {
    expect(() => expandEnvFlags(['=x'], {})).toThrow(/invalid environment variable/);
  });
});

describe('working directory', () => {
  it('defaults to the image WorkingDir, then /', () => {
    expect(resolveCwd({ WorkingDir: '/app' }, undefined)).toBe('/app');
    expect(resolveCwd({}, undefined)).toBe('/');
  });
  it('-w overrides and must be absolute', () => {
    expect(resolveCwd({ WorkingDir: '/app' }, '/tmp')).toBe('/tmp');
    expect(() => resolveCwd({}, 'rel')).toThrow(/needs to be an absolute path/);
  });
});
