import { describe, expect, it } from 'vitest';
import type { ComposeProject, ServiceConfig } from '../../../src/compose/model.js';
import { durationSeconds, runRequestFor, serviceImage } from '../../../src/engine/compose/run-request.js';

const project: ComposeProject = {
  name: 'demo',
  workingDir: '/src/demo',
  configFiles: ['/src/demo/compose.yaml'],
  services: {},
  disabledServices: {},
  networks: { default: { name: 'demo_default' }, back: { name: 'demo_back' } },
  volumes: { data: { name: 'demo_data' } },
  warnings: [],
};

describe('a compose service as the request `run -d` makes', () => {
  it('maps every supported key onto run flags', () => {
    const svc: ServiceConfig = {
      name: 'web',
      build: { context: '/src/demo/web' },
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo hi'],
      environment: { A: '1', UNSET: null },
      ports: [
        { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
        { mode: 'ingress', target: 53, host_ip: '127.0.0.1', protocol: 'udp' },
      ],
      volumes: [
        { type: 'bind', source: '/src/demo/html', target: '/www', read_only: true },
        { type: 'volume', source: 'data', target: '/data' },
        { type: 'volume', target: '/anon' },
        { type: 'tmpfs', target: '/run' },
      ],
      tmpfs: ['/tmp'],
      networks: { default: null, back: { aliases: ['api'] } },
      restart: 'unless-stopped',
      user: 'nobody',
      working_dir: '/www',
      hostname: 'web1',
      stop_signal: 'SIGINT',
      stop_grace_period: '1m30s',
      init: true,
      read_only: true,
      mem_limit: '64m',
      cpus: '0.5',
      pids_limit: 100,
      healthcheck: { test: ['CMD', 'wget', '-q', 'http://localhost/a b'], interval: '5s', retries: 3 },
    };
    const req = runRequestFor(project, svc, 1, 'sha256:abc');
    expect(serviceImage(project, svc)).toBe('demo-web');
    expect(req).toMatchObject({
      image: 'demo-web',
      name: 'demo-web-1',
      entrypoint: '/bin/sh',
      command: ['-c', 'echo hi'],
      env: ['A=1'],
      detach: true,
      autoRemove: false,
      restart: 'unless-stopped',
      user: 'nobody',
      workdir: '/www',
      hostname: 'web1',
      stopSignal: 'SIGINT',
      stopTimeout: 90,
      init: true,
      resources: { memory: '64m', cpus: '0.5', pidsLimit: '100' },
      network: { network: 'demo_default', aliases: ['web'], publish: ['8080:80', '127.0.0.1::53/udp'] },
      mounts: { volumes: ['/src/demo/html:/www:ro', 'demo_data:/data', '/anon'], mounts: [], tmpfs: ['/tmp', '/run'], readOnly: true },
      health: { cmd: "wget -q 'http://localhost/a b'", interval: '5s', retries: '3' },
    });
    expect(req.labels).toContain('com.docker.compose.project=demo');
    expect(req.labels).toContain('com.docker.compose.service=web');
    expect(req.labels).toContain('com.docker.compose.image=sha256:abc');
  });

  it('an empty entrypoint clears the image\'s; healthcheck NONE disables it', () => {
    const req = runRequestFor(project, { name: 'x', image: 'busybox', entrypoint: [], healthcheck: { test: ['NONE'] } }, 2, '');
    expect(req.entrypoint).toBe('');
    expect(req.health).toEqual({ none: true });
    expect(req.name).toBe('demo-x-2');
    expect(req.image).toBe('busybox');
  });

  it('reads Go durations', () => {
    expect(durationSeconds('10s')).toBe(10);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('1h')).toBe(3600);
    expect(() => durationSeconds('ten')).toThrow('invalid duration "ten"');
  });
});
