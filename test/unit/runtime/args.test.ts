import { describe, expect, it } from 'vitest';
import { checkContainerId, DEFAULT_ROOT, parseArgs } from '../../../src/runtime/args.js';

describe('minibox-runtime argument parsing', () => {
  it('takes runc-style global flags before the command, with = or a separate value', () => {
    const p = parseArgs(['--root', '/r', '--log=/l.json', '--log-format', 'json', '--debug', 'create', '--bundle', '/b', '--pid-file=/p', 'c1']);
    expect(p.global).toEqual({ root: '/r', log: '/l.json', logFormat: 'json', debug: true, version: false, help: false });
    expect(p.command).toBe('create');
    expect(p.flags).toEqual({ bundle: '/b', 'pid-file': '/p' });
    expect(p.operands).toEqual(['c1']);
  });

  it('defaults the root and the log format', () => {
    const p = parseArgs(['state', 'x']);
    expect(p.global.root).toBe(DEFAULT_ROOT);
    expect(p.global.logFormat).toBe('text');
  });

  it('maps the short aliases per command (list -f is format, delete -f is force)', () => {
    expect(parseArgs(['list', '-f', 'json']).flags).toEqual({ format: 'json' });
    expect(parseArgs(['delete', '-f', 'x']).flags).toEqual({ force: true });
    expect(parseArgs(['create', '-b', '/b', 'x']).flags).toEqual({ bundle: '/b' });
    expect(parseArgs(['-v']).global.version).toBe(true);
  });

  it('takes kill ID SIGNAL with --all before or after', () => {
    expect(parseArgs(['kill', '--all', 'x', 'KILL'])).toMatchObject({ flags: { all: true }, operands: ['x', 'KILL'] });
    expect(parseArgs(['kill', 'x', '9'])).toMatchObject({ flags: {}, operands: ['x', '9'] });
    expect(parseArgs(['kill', 'x'])).toMatchObject({ operands: ['x'] });
  });

  it('refuses --systemd-cgroup clearly', () => {
    expect(() => parseArgs(['--systemd-cgroup', 'create', 'x'])).toThrow(/--systemd-cgroup is not supported/);
  });

  it('refuses unknown flags, commands, a bad log format and wrong operand counts', () => {
    expect(() => parseArgs(['create', '--nope', 'x'])).toThrow(/flag provided but not defined: -nope/);
    expect(() => parseArgs(['frobnicate'])).toThrow(/frobnicate/);
    expect(() => parseArgs(['--log-format', 'xml', 'list'])).toThrow(/invalid log-format: xml/);
    expect(() => parseArgs(['start'])).toThrow(/container id cannot be empty/);
    expect(() => parseArgs(['state', 'a', 'b'])).toThrow(/unexpected arguments: b/);
    expect(() => parseArgs(['create', '--bundle'])).toThrow(/flag needs an argument: --bundle/);
  });

  it('checks container ids as runc does (they name a directory)', () => {
    expect(checkContainerId('abc-1_2.3+x')).toBe('abc-1_2.3+x');
    for (const bad of ['', '.', '..', '.hidden', 'a/b', 'a b']) expect(() => checkContainerId(bad)).toThrow(/invalid container id format/);
  });
});
