import { describe, expect, it } from 'vitest';
import { BuildArgs, parseBuildArgFlags } from '../../../src/build/build-args.js';

/** Docker's ARG scoping: meta args for FROM only, per-stage declarations, predefined proxies, the warning. */
describe('build args', () => {
  const args = (flags: string[], env: NodeJS.ProcessEnv = {}) => new BuildArgs(parseBuildArgFlags(flags, env));

  it('global ARGs expand FROM but reach a stage only when re-declared, with the global value', () => {
    const a = args([]);
    a.addMeta('BASE', 'busybox');
    expect(a.metaEnv()).toEqual(['BASE=busybox']);
    const stage = a.stage();
    expect(stage.env()).toEqual([]);
    stage.declare('BASE', undefined);
    expect(stage.env()).toEqual(['BASE=busybox']);
  });

  it('--build-arg overrides the default; ARG without a value and without a flag stays unset', () => {
    const a = args(['V=2']);
    const stage = a.stage();
    stage.declare('V', '1');
    stage.declare('NOVALUE', undefined);
    expect(stage.env()).toEqual(['V=2']);
  });

  it('a new stage starts with nothing allowed', () => {
    const a = args(['V=2']);
    a.stage().declare('V', undefined);
    expect(a.stage().env()).toEqual([]);
  });

  it('RUN sees args not shadowed by ENV; the |N prefix is sorted and leaves undeclared proxies out', () => {
    const a = args(['B=2', 'A=1', 'HTTP_PROXY=http://p', 'C=3']);
    const stage = a.stage();
    stage.declare('B', undefined);
    stage.declare('A', undefined);
    stage.declare('C', undefined);
    const run = stage.forRun(['C=image']);
    expect(run.env.sort()).toEqual(['A=1', 'B=2', 'HTTP_PROXY=http://p']);
    expect(run.prefix).toEqual(['|2', 'A=1', 'B=2']);
  });

  it('a declared proxy arg is recorded', () => {
    const a = args(['http_proxy=x']);
    const stage = a.stage();
    stage.declare('http_proxy', undefined);
    expect(stage.forRun([]).prefix).toEqual(['|1', 'http_proxy=x']);
  });

  it('lists --build-args nothing declared (proxies excepted), sorted', () => {
    const a = args(['Z=1', 'B=2', 'USED=3', 'NO_PROXY=x']);
    a.stage().declare('USED', undefined);
    expect(a.unconsumed()).toEqual(['B', 'Z']);
  });

  it('--build-arg K takes K from the environment', () => {
    expect(parseBuildArgFlags(['K'], { K: 'v' })).toEqual(new Map([['K', 'v']]));
    expect(parseBuildArgFlags(['K'], {})).toEqual(new Map([['K', undefined]]));
    expect(() => parseBuildArgFlags(['=x'], {})).toThrow('invalid argument "=x" for "--build-arg" flag: invalid environment variable: =x');
    expect(() => parseBuildArgFlags(['=x=y'], {})).toThrow('invalid environment variable: =x=y');
    expect(parseBuildArgFlags(['A B=1'], {})).toEqual(new Map([['A B', '1']])); // Docker lets it through, and reports it not consumed
  });
});
