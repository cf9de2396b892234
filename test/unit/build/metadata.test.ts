import { describe, expect, it } from 'vitest';
import { applyMetadata, exposedPorts, workdirOf } from '../../../src/build/metadata.js';
import { lookupOf } from '../../../src/build/shell-words.js';
import { formatGoDuration, parseGoDuration } from '../../../src/build/go-duration.js';
import type { Instruction } from '../../../src/build/dockerfile.js';
import type { RuntimeConfig } from '../../../src/build/image-state.js';

/** The config-only instructions: what they change and the history line Docker writes for them. */
const ins = (keyword: string, args: string): Instruction => ({ line: 1, keyword, args, original: `${keyword} ${args}` });
const apply = (keyword: string, args: string, config: RuntimeConfig = { Env: ['A=a', 'PORT=8080'] }, cmdSet = false) =>
  applyMetadata(ins(keyword, args), config, { escape: '\\', lookup: lookupOf(config.Env ?? []), cmdSet });

describe('applyMetadata', () => {
  it('ENV: both forms, expanded, replacing an earlier value; Docker\'s two-space #(nop) line', () => {
    const r = apply('ENV', 'B=$A C="x y" A=z');
    expect(r.config.Env).toEqual(['PORT=8080', 'B=a', 'C=x y', 'A=z']);
    expect(r.createdBy).toBe('/bin/sh -c #(nop)  ENV B=a C=x y A=z');
    expect(apply('ENV', 'APACHE_LOG_DIR /var/log/apache2').config.Env).toContain('APACHE_LOG_DIR=/var/log/apache2');
  });

  it('CMD and ENTRYPOINT: exec form kept, shell form through the shell, Go-quoted in history', () => {
    const r = apply('CMD', '["/usr/sbin/apache2", "-D", "FOREGROUND"]');
    expect(r.config.Cmd).toEqual(['/usr/sbin/apache2', '-D', 'FOREGROUND']);
    expect(r.createdBy).toBe('/bin/sh -c #(nop)  CMD ["/usr/sbin/apache2" "-D" "FOREGROUND"]');
    expect(apply('CMD', 'echo $A').config.Cmd).toEqual(['/bin/sh', '-c', 'echo $A']);
    expect(apply('ENTRYPOINT', '["/e"]', { Cmd: ['x'] }).config.Cmd).toBeNull();
    expect(apply('ENTRYPOINT', '["/e"]', { Cmd: ['x'] }, true).config.Cmd).toEqual(['x']);
    expect(apply('CMD', 'x', { Shell: ['/bin/bash', '-c'] }).config.Cmd).toEqual(['/bin/bash', '-c', 'x']);
  });

  it('MAINTAINER sets the author, unexpanded', () => {
    const r = apply('MAINTAINER', 'Kimbro Staken version: 0.1');
    expect(r.author).toBe('Kimbro Staken version: 0.1');
    expect(r.createdBy).toBe('/bin/sh -c #(nop)  MAINTAINER Kimbro Staken version: 0.1');
  });

  it('EXPOSE, VOLUME, LABEL, USER, STOPSIGNAL, SHELL', () => {
    expect(apply('EXPOSE', '80 $PORT/udp 7000-7001').config.ExposedPorts).toEqual({ '80/tcp': {}, '8080/udp': {}, '7000/tcp': {}, '7001/tcp': {} });
    expect(apply('VOLUME', '["/data", "/$A"]').config.Volumes).toEqual({ '/data': {}, '/a': {} });
    expect(apply('VOLUME', '/v /w').createdBy).toBe('/bin/sh -c #(nop)  VOLUME [/v /w]');
    expect(apply('LABEL', '"x y"=z a=$A').config.Labels).toEqual({ 'x y': 'z', a: 'a' });
    expect(apply('USER', '$A').config.User).toBe('a');
    expect(apply('STOPSIGNAL', 'SIGKILL').config.StopSignal).toBe('SIGKILL');
    expect(() => apply('STOPSIGNAL', 'kill me')).toThrow('Invalid signal');
    expect(apply('SHELL', '["/bin/bash", "-c"]').createdBy).toBe('/bin/sh -c #(nop)  SHELL [/bin/bash -c]');
    expect(() => apply('SHELL', '/bin/bash -c')).toThrow('JSON form');
    expect(() => apply('EXPOSE', 'http')).toThrow('invalid containerPort: http');
  });

  it('WORKDIR is relative to the previous one', () => {
    expect(apply('WORKDIR', 'sub', { WorkingDir: '/app' }).config.WorkingDir).toBe('/app/sub');
    expect(workdirOf(undefined, 'x/')).toBe('/x');
    expect(workdirOf('/a', '/b/../c')).toBe('/c');
  });

  it('ONBUILD stores the trigger and refuses ONBUILD ONBUILD and FROM', () => {
    expect(apply('ONBUILD', 'RUN echo $A').config.OnBuild).toEqual(['RUN echo $A']);
    expect(() => apply('ONBUILD', 'ONBUILD RUN x')).toThrow('Chaining ONBUILD');
    expect(() => apply('ONBUILD', 'FROM x')).toThrow("FROM isn't allowed as an ONBUILD trigger");
  });

  it('HEALTHCHECK: flags, CMD forms, NONE, and Docker\'s %q history line', () => {
    const r = apply('HEALTHCHECK', '--interval=5s --retries=3 CMD wget -q localhost || exit 1');
    expect(r.config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 5e9, Retries: 3 });
    expect(r.createdBy).toBe('/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "wget -q localhost || exit 1"] "5s" "0s" "0s" "0s" \'\\x03\'}');
    expect(apply('HEALTHCHECK', 'CMD ["true"]').config.Healthcheck).toEqual({ Test: ['CMD', 'true'] });
    expect(apply('HEALTHCHECK', 'NONE').config.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(() => apply('HEALTHCHECK', '--bogus=1 CMD true')).toThrow('unknown flag: bogus');
  });

  it('exposedPorts and Go durations', () => {
    expect(exposedPorts('53/UDP')).toEqual(['53/udp']);
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(formatGoDuration(90e9)).toBe('1m30s');
    expect(formatGoDuration(5e8)).toBe('500ms');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
  });
});
