import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src/engine/commit-changes.js';
import { containerConfig, splitArgs } from '../../../src/engine/commit.js';
import type { OciSpec } from '../../../src/container/spec.js';
import { DEFAULT_HOST_CONFIG } from '../../../src/container/hostconfig.js';

/** commit's config: the container's, then -c changes as Docker's commit applies them. */

describe('applyChanges', () => {
  it('CMD and ENTRYPOINT in exec and shell form', () => {
    expect(applyChanges({}, ['CMD ["cat","/x"]'])).toEqual({ Cmd: ['cat', '/x'] });
    expect(applyChanges({}, ['CMD echo hi && ls'])).toEqual({ Cmd: ['/bin/sh', '-c', 'echo hi && ls'] });
    expect(applyChanges({}, ['cmd [not json'])).toEqual({ Cmd: ['/bin/sh', '-c', '[not json'] });
  });

  it('ENTRYPOINT drops the inherited CMD unless the changes set one too', () => {
    expect(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/bin/tini"]'])).toEqual({ Entrypoint: ['/bin/tini'], Cmd: null });
    expect(applyChanges({ Cmd: ['sh'] }, ['CMD ["x"]', 'ENTRYPOINT ["/e"]'])).toEqual({ Entrypoint: ['/e'], Cmd: ['x'] });
  });

  it('ENV and LABEL: K=V pairs with quotes, the old K V form, later keys replacing earlier ones', () => {
    const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV A=2 B="two words" C=it\\ s', 'ENV D the rest of it']);
    expect(c.Env).toEqual(['PATH=/bin', 'A=2', 'B=two words', 'C=it s', 'D=the rest of it']);
    expect(applyChanges({ Labels: { a: '1' } }, ["LABEL b='x y' a=2"]).Labels).toEqual({ a: '2', b: 'x y' });
  });

  it('EXPOSE, VOLUME, WORKDIR (relative to the previous), USER, STOPSIGNAL, ONBUILD', () => {
    const c = applyChanges({ WorkingDir: '/app' }, [
      'EXPOSE 80 53/udp 8000-8002',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
      'WORKDIR sub',
      'USER nobody:nogroup',
      'STOPSIGNAL SIGQUIT',
      'ONBUILD RUN make',
    ]);
    expect(c).toEqual({
      WorkingDir: '/app/sub',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {} },
      Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
      User: 'nobody:nogroup',
      StopSignal: 'SIGQUIT',
      OnBuild: ['RUN make'],
    });
  });

  it('several instructions in one value, one per line; blank lines and comments skipped', () => {
    expect(applyChanges({}, ['USER a\n\n# note\nWORKDIR /w'])).toEqual({ User: 'a', WorkingDir: '/w' });
  });

  it("refuses what Docker's commit refuses, naming it", () => {
    expect(() => applyChanges({}, ['RUN make'])).toThrow('RUN is not a valid change command');
    expect(() => applyChanges({}, ['FROM x'])).toThrow('FROM is not a valid change command');
    expect(() => applyChanges({}, ['HEALTHCHECK NONE'])).toThrow('HEALTHCHECK is not a valid change command');
    // the rest in build's (Docker's builder's) words: commit's -c goes through the same dispatchers
    expect(() => applyChanges({}, ['EXPOSE 99999'])).toThrow('invalid containerPort: 99999');
    expect(() => applyChanges({}, ['ENV'])).toThrow('ENV requires at least one argument');
    expect(() => applyChanges({}, ['ENV =x'])).toThrow(/can't find = in "=x"/);
    expect(() => applyChanges({}, ['WORKDIR'])).toThrow('WORKDIR requires at least one argument');
  });

  it("expands variables from the config's Env where a Dockerfile does (ENV, WORKDIR), not in CMD", () => {
    const c = applyChanges({ Env: ['BASE=/srv'] }, ['ENV DATA=$BASE/data', 'WORKDIR ${DATA}', 'CMD echo $BASE']);
    expect(c).toEqual({ Env: ['BASE=/srv', 'DATA=/srv/data'], WorkingDir: '/srv/data', Cmd: ['/bin/sh', '-c', 'echo $BASE'] });
  });
});

describe('splitArgs', () => {
  it("takes the image's Entrypoint back off the argv when it is still its prefix", () => {
    expect(splitArgs(['/e', 'a'], { Entrypoint: ['/e'] })).toEqual({ Entrypoint: ['/e'], Cmd: ['a'] });
    expect(splitArgs(['/e'], { Entrypoint: ['/e'], Cmd: ['x'] })).toEqual({ Entrypoint: ['/e'] });
    expect(splitArgs(['/other', 'a'], { Entrypoint: ['/e'] })).toEqual({ Entrypoint: ['/other'], Cmd: ['a'] }); // --entrypoint
    expect(splitArgs(['sh', '-c', 'x'], {})).toEqual({ Cmd: ['sh', '-c', 'x'] });
  });
});

describe('containerConfig', () => {
  const spec = (over: Partial<OciSpec['process']>, annotations: Record<string, string> = {}): OciSpec =>
    ({
      process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'HOSTNAME=abc', 'A=1'], cwd: '/', ...over },
      hostname: 'abc',
      annotations,
    }) as unknown as OciSpec;

  it("is the container's command, env (without the runtime's HOSTNAME) and dir over the image's other fields", () => {
    const c = containerConfig({ Cmd: ['old'], OnBuild: ['X'], Env: ['PATH=/bin'] }, { Cmd: ['old'], Env: ['PATH=/bin'] }, spec({ cwd: '/srv' }), DEFAULT_HOST_CONFIG);
    expect(c).toEqual({ OnBuild: ['X'], Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], WorkingDir: '/srv' });
  });

  it("keeps an image's own HOSTNAME, the user, labels and a non-default stop signal", () => {
    const c = containerConfig(
      {},
      { Env: ['HOSTNAME=fixed'] },
      spec({}, { 'io.minibox.user': 'app', 'io.minibox.labels': '{"a":"b"}' }),
      { ...DEFAULT_HOST_CONFIG, stopSignal: 'SIGINT' },
    );
    expect(c).toMatchObject({ Env: ['PATH=/bin', 'HOSTNAME=abc', 'A=1'], User: 'app', Labels: { a: 'b' }, StopSignal: 'SIGINT' });
  });

  it("carries what run added, over the image's (moby daemon/commit.go merge): -p ports, anonymous -v volumes, --health-*, labels", () => {
    const image = { ExposedPorts: { '443/tcp': {} }, Volumes: { '/img': {} }, Labels: { from: 'image', a: 'image' }, Healthcheck: { Test: ['CMD', 'old'] } };
    const c = containerConfig(
      image,
      image,
      spec({}, { 'io.minibox.labels': '{"a":"run"}' }),
      {
        ...DEFAULT_HOST_CONFIG,
        network: { publish: ['8080:80', '127.0.0.1::53/udp', '9000-9001:9000-9001'] },
        storage: { volumes: ['/data', 'named:/named', '/host:/bind', '/logs/'] },
        healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9 },
      },
    );
    expect(c.ExposedPorts).toEqual({ '443/tcp': {}, '80/tcp': {}, '53/udp': {}, '9000/tcp': {}, '9001/tcp': {} });
    expect(c.Volumes).toEqual({ '/img': {}, '/data': {}, '/logs/': {} });
    expect(c.Labels).toEqual({ from: 'image', a: 'run' });
    expect(c.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 5e9 });
    // and -c changes land on top of all that
    const changed = applyChanges(c, ['EXPOSE 22', 'VOLUME /more']);
    expect(Object.keys(changed.ExposedPorts ?? {})).toContain('22/tcp');
    expect(Object.keys(changed.Volumes ?? {})).toEqual(['/img', '/data', '/logs/', '/more']);
  });

  it("without run flags, keeps the image's ports, volumes and healthcheck as they are", () => {
    const image = { ExposedPorts: { '443/tcp': {} }, Volumes: { '/img': {} }, Healthcheck: { Test: ['CMD', 'old'] } };
    const c = containerConfig(image, image, spec({}), { ...DEFAULT_HOST_CONFIG, healthcheck: image.Healthcheck });
    expect(c).toMatchObject(image);
  });
});
