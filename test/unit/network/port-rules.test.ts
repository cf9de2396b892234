import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';
import { createContainer } from '../../../src/container/store.js';
import { writeContainerState } from '../../../src/container/state.js';
import type { OciSpec } from '../../../src/container/spec.js';
import type { ImageRuntimeConfig } from '../../../src/image/config.js';
import { attachNetwork, planEnv, planNetwork, releaseNetwork, type NetworkFlags } from '../../../src/engine/network.js';
import { readEndpoint, networkPaths } from '../../../src/network/store.js';
import { FakeDriver } from './fake-driver.js';

/**
 * The engine's port, address and link logic end to end against a fake driver: what
 * `run -p/-P/--link` asks of iptables and netlink, and what it records, without root.
 * State goes to a temp root and a temp network state dir.
 */
let tmp: string;
let paths: StatePaths;
let driver: FakeDriver;
const savedNetState = process.env.MINIBOX_NETWORK_STATE;

beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'net-unit-'));
  process.env.MINIBOX_NETWORK_STATE = path.join(tmp, 'net');
  paths = statePaths(path.join(tmp, 'root'));
  driver = new FakeDriver();
});

afterEach(() => {
  if (savedNetState === undefined) delete process.env.MINIBOX_NETWORK_STATE;
  else process.env.MINIBOX_NETWORK_STATE = savedNetState;
  rmSync(tmp, { recursive: true, force: true });
});

function spec(env: string[]): OciSpec {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env, cwd: '/' },
    root: { path: 'rootfs', readonly: false },
    hostname: '',
    mounts: [],
    linux: { namespaces: [], cgroupsPath: '', resources: {}, maskedPaths: [], readonlyPaths: [] },
    annotations: {},
  };
}

/** Create a container record and attach it as `run` does; it is then "running". */
async function start(name: string, flags: NetworkFlags, image: ImageRuntimeConfig = {}, env: string[] = []) {
  const id = `${name.padEnd(12, '0')}${'f'.repeat(52)}`.slice(0, 64);
  const { state, dirs } = await createContainer(paths, { id, name, image: 'busybox', imageId: 'sha256:0', autoRemove: false, spec: () => spec(env) });
  const plan = await planNetwork(paths, flags, image, driver);
  const records = await attachNetwork(paths, { id, name, hostname: id.slice(0, 12) }, plan, driver);
  await writeContainerState(dirs.dir, { ...state, status: 'running', pid: 4242 });
  return { id, dir: dirs.dir, plan, records };
}

describe('published ports (-p, -P) through the driver', () => {
  it('-p 4407:3306: firewall for the default bridge, one DNAT rule, the shim records', async () => {
    const { id, dir, records } = await start('db', { publish: ['4407:3306'] });
    const tag = `mbx-${id.slice(0, 12)}`;
    expect(driver.calls).toEqual([
      { op: 'setupFirewall', bridge: 'minibox0', subnet: '10.87.0.0/16' },
      { op: 'publishPorts', ports: [{ hostIp: '0.0.0.0', hostPort: 4407, containerPort: 3306, proto: 'tcp' }], ip: '10.87.0.2', tag },
    ]);
    expect(records.slice(0, 6)).toEqual([
      'net.mode=bridge',
      'net.bridge=minibox0',
      'net.bridge_addr=10.87.0.1/16',
      `net.veth=mbx${id.slice(0, 10)}`,
      'net.addr=10.87.0.2/16',
      'net.gateway=10.87.0.1',
    ]);
    expect(records.slice(6)).toEqual([`net.etc=/etc/hosts:${dir}/hosts`, `net.etc=/etc/hostname:${dir}/hostname`, `net.etc=/etc/resolv.conf:${dir}/resolv.conf`]);
    const ep = await readEndpoint(networkPaths(), id);
    expect(ep?.ports).toEqual([{ hostIp: '0.0.0.0', hostPort: 4407, containerPort: 3306, proto: 'tcp' }]);
    expect(ep?.exposed).toEqual(['3306/tcp']);
    expect(readFileSync(path.join(dir, 'hosts'), 'utf8').split('\n').slice(6)).toEqual([`10.87.0.2\t${id.slice(0, 12)}`, '']);
  });

  it('-p 127.0.0.1:8080:80/udp keeps the address and the protocol', async () => {
    await start('web', { publish: ['127.0.0.1:8080:80/udp'] });
    expect(driver.of('publishPorts')).toEqual([
      { op: 'publishPorts', ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'udp' }], ip: '10.87.0.2', tag: expect.stringMatching(/^mbx-web0{9}$/) },
    ]);
  });

  it('-P publishes ExposedPorts on free ephemeral ports, skipping what the host listens on', async () => {
    driver.listeners = [{ proto: 'tcp', ip: '0.0.0.0', port: 32768 }];
    await start('web', { publishAll: true }, { ExposedPorts: { '80/tcp': {}, '53/udp': {} } });
    expect(driver.of('publishPorts')[0]?.ports).toEqual([
      { hostIp: '0.0.0.0', hostPort: 32769, containerPort: 80, proto: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 32768, containerPort: 53, proto: 'udp' },
    ]);
  });

  it('a range maps port to port', async () => {
    await start('web', { publish: ['8000-8001:80-81'] });
    expect(driver.of('publishPorts')[0]?.ports.map((p) => `${p.hostPort}->${p.containerPort}`)).toEqual(['8000->80', '8001->81']);
  });

  it('a port another container publishes is refused, and the second container leaves nothing', async () => {
    const first = await start('one', { publish: ['8080:80'] });
    const before = driver.calls.length;
    await expect(start('two', { publish: ['8080:80'] })).rejects.toThrow(
      `driver failed programming external connectivity on endpoint two (${'two'.padEnd(12, '0')}${'f'.repeat(52)}): Bind for 0.0.0.0:8080 failed: port is already allocated`,
    );
    expect(driver.calls.slice(before)).toEqual([]); // no rule, no link for the refused one
    expect(await readEndpoint(networkPaths(), `${'two'.padEnd(12, '0')}${'f'.repeat(52)}`)).toBeUndefined();
    // the second container on the network gets the next address and no firewall setup
    await start('three', { publish: ['8081:80'] });
    expect(driver.calls.slice(before)).toEqual([{ op: 'publishPorts', ports: [{ hostIp: '0.0.0.0', hostPort: 8081, containerPort: 80, proto: 'tcp' }], ip: '10.87.0.3', tag: expect.any(String) }]);
    expect((await readEndpoint(networkPaths(), first.id))?.endpoints[0]?.ip).toBe('10.87.0.2');
  });

  it('release removes the rules, the veth, and with the last container the bridge and chains', async () => {
    const a = await start('one', { publish: ['8080:80'] });
    const b = await start('two', {});
    driver.calls = [];
    await releaseNetwork(paths, a.id, driver);
    expect(driver.calls).toEqual([
      { op: 'unpublishPorts', tag: `mbx-${a.id.slice(0, 12)}` },
      { op: 'deleteLinks', names: [`mbx${a.id.slice(0, 10)}`] },
    ]);
    driver.calls = [];
    await releaseNetwork(paths, b.id, driver);
    expect(driver.calls).toEqual([
      { op: 'teardownFirewall', bridges: ['minibox0'], lastNetwork: true },
      { op: 'deleteLinks', names: [`mbx${b.id.slice(0, 10)}`, 'minibox0'] },
    ]);
    expect(existsSync(path.join(networkPaths().endpoints, `${b.id}.json`))).toBe(false);
    driver.calls = [];
    await releaseNetwork(paths, b.id, driver); // idempotent
    expect(driver.calls).toEqual([]);
  });
});

describe('links (--link) through the driver', () => {
  it('give Docker variables and a hosts entry for the linked container', async () => {
    const db = await start('mysql', {}, { ExposedPorts: { '3306/tcp': {} } }, ['PATH=/bin', 'MYSQL_ROOT_PASSWORD=123']);
    const web = await start('web', { links: ['mysql:db'] });
    expect(planEnv(web.plan, 'web')).toEqual([
      'DB_PORT=tcp://10.87.0.2:3306',
      'DB_PORT_3306_TCP=tcp://10.87.0.2:3306',
      'DB_PORT_3306_TCP_ADDR=10.87.0.2',
      'DB_PORT_3306_TCP_PORT=3306',
      'DB_PORT_3306_TCP_PROTO=tcp',
      'DB_NAME=/web/db',
      'DB_ENV_MYSQL_ROOT_PASSWORD=123',
    ]);
    const hosts = readFileSync(path.join(web.dir, 'hosts'), 'utf8').split('\n').slice(6);
    expect(hosts).toEqual([`10.87.0.2\tdb ${db.id.slice(0, 12)} mysql`, `10.87.0.3\t${web.id.slice(0, 12)}`, '']);
    expect(driver.of('publishPorts')).toEqual([]); // exposing is not publishing
  });

  it('to a container that is not running, or with --network none, are refused', async () => {
    await expect(start('web', { links: ['ghost'] })).rejects.toThrow('No such container: ghost');
    await expect(start('lone', { network: 'none', links: ['web'] })).rejects.toThrow('conflicting options: --link and --network=none');
  });
});
