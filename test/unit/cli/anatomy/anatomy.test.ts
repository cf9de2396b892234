import { describe, expect, it } from 'vitest';
import type { ContainerAnatomy } from '../../../../src/engine/explain-model.js';
import { anatomyTree, cgroupPaths } from '../../../../src/cli/anatomy/describe.js';
import { renderTree } from '../../../../src/cli/anatomy/tree.js';
import { anatomySvg, escapeXml } from '../../../../src/cli/anatomy/svg.js';
import { allText, parseXml } from '../../../helpers/xml-wellformed.js';

const ID = 'a'.repeat(64);
const DIFF = `sha256:${'d'.repeat(64)}`;

function anatomy(over: Partial<ContainerAnatomy> = {}): ContainerAnatomy {
  return {
    id: ID,
    name: 'web<&>"',
    image: 'docker.io/library/busybox:latest',
    imageId: `sha256:${'b'.repeat(64)}`,
    status: 'running',
    running: true,
    initPid: 4242,
    monitor: { pid: 4241, rssBytes: 942080 },
    command: ['sh', '-c', 'echo "<hi>" & wait'],
    hostname: 'aaaaaaaaaaaa',
    hostNamespaces: '/proc/1/ns',
    namespaces: [
      { type: 'pid', inode: 4026532300, hostInode: 4026531836, isolated: true },
      { type: 'user', inode: 4026531837, hostInode: 4026531837, isolated: false },
    ],
    cgroup: {
      kind: 'v1',
      paths: [`memory:/minibox/${ID}`, `pids:/minibox/${ID}`],
      limits: { memoryBytes: 64 * 1024 * 1024, cpuQuotaUs: 50000, cpuPeriodUs: 100000, pids: 40 },
      usage: { memoryBytes: 1024 * 1024, cpuNs: 2e9, pids: 2, oomKills: 0 },
    },
    layers: [
      { index: 0, dir: '/s/snapshots/dd', chainId: DIFF, diffId: DIFF, bytes: 2 * 1024 * 1024, sharedWith: ['other'] },
      { index: 1, dir: '/s/snapshots/ee', chainId: `sha256:${'e'.repeat(64)}`, diffId: `sha256:${'f'.repeat(64)}`, bytes: 10, sharedWith: [] },
    ],
    upper: { dir: `/s/containers/${ID}/upper`, bytes: 4096 },
    mounts: [{ type: 'volume', name: 'data', source: '/s/volumes/data/_data', destination: '/data', readOnly: false }],
    network: {
      mode: 'bridge',
      endpoints: [{ network: 'bridge', bridge: 'minibox0', veth: 'mbxaaaaaaaaaa', ifname: 'eth0', ip: '10.87.0.2', prefix: 16, gateway: '10.87.0.1' }],
      ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp', dnatTo: '10.87.0.2:80', rule: '-A MINIBOX -d 127.0.0.1/32 -p tcp' }],
    },
    security: { privileged: false, noNewPrivileges: false, capabilities: ['CHOWN', 'KILL'], seccomp: { defaultAction: 'SCMP_ACT_ERRNO', rules: 3, syscalls: 300 }, maskedPaths: 10, readonlyPaths: 5, user: '0:0' },
    ...over,
  };
}

describe('the terminal tree', () => {
  it('draws children with ├─ and └─, and bars down the open branches', () => {
    const lines = renderTree({ text: 'r', children: [{ text: 'a', children: [{ text: 'a1' }, { text: 'a2' }] }, { text: 'b', children: [{ text: 'b1' }] }] }, { color: false });
    expect(lines).toEqual(['r', '├─ a', '│  ├─ a1', '│  └─ a2', '└─ b', '   └─ b1']);
  });

  it('colours only when asked', () => {
    const node = { text: 'r', tone: 'head' as const, children: [{ text: 'new', tone: 'new' as const }] };
    expect(renderTree(node, { color: false }).join('\n')).not.toContain('\x1b[');
    expect(renderTree(node, { color: true })).toEqual(['\x1b[1mr\x1b[22m', '└─ \x1b[32mnew\x1b[39m']);
  });

  it("a container's anatomy: namespaces beside the host's, limits, layers top down, the port's path", () => {
    const text = renderTree(anatomyTree(anatomy()), { color: false }).join('\n');
    expect(text).toMatch(/pid +4026532300 ≠ 4026531836 {2}new/);
    expect(text).toMatch(/user +4026531837 = 4026531837 {2}shared with the host/);
    expect(text).toContain('memory  1MiB used, limit 64MiB');
    expect(text).toContain('cpu     2.00 s used, limit 0.5 CPU (50000 µs per 100000 µs)');
    expect(text).toContain('pids    2 running, limit 40');
    expect(text).toContain(`/minibox/${ID}  (memory pids)`);
    // top → bottom: upper, layer 1, layer 0
    expect(text.indexOf('upper dir')).toBeLessThan(text.indexOf('layer 1  ffffffffffff'));
    expect(text.indexOf('layer 1  ffffffffffff')).toBeLessThan(text.indexOf('layer 0  dddddddddddd'));
    expect(text).toContain('shared with: other');
    expect(text).toContain('host 127.0.0.1:8080/tcp → DNAT → 10.87.0.2:80 → bridge minibox0 → veth mbxaaaaaaaaaa → eth0 10.87.0.2:80');
    expect(text).toContain('monitor pid 4241 (minibox-shim), RSS 920KiB');
  });

  it('a stopped container says so, and shows no usage', () => {
    const stopped = anatomy({ running: false, status: 'exited', initPid: 0, monitor: undefined, network: { mode: 'bridge', endpoints: [], ports: [] } });
    delete stopped.cgroup.usage;
    const text = renderTree(anatomyTree(stopped), { color: false }).join('\n');
    expect(text).toContain('not running (exited)');
    expect(text).toContain('memory  not running, limit 64MiB');
    expect(text).toContain('not running: no address, no published port');
  });

  it('one line per cgroup path, its controllers named', () => {
    expect(cgroupPaths(['cpu,cpuacct:/minibox/x', 'memory:/minibox/x'])).toEqual(['/minibox/x  (cpu,cpuacct memory)']);
    expect(cgroupPaths(['/minibox/x'])).toEqual(['/minibox/x']);
  });
});

describe('the SVG', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('is well-formed, with the layers, namespaces, cgroup and network path in its texts', () => {
    const doc = parseXml(anatomySvg(anatomy()));
    expect(doc.name).toBe('svg');
    const texts = allText(doc).join('\n');
    expect(texts).toContain('container web<&>" (aaaaaaaaaaaa)'); // decoded: the name was escaped
    expect(texts).toContain('dddddddddddd');
    expect(texts).toContain(DIFF); // in the layer's <title>
    expect(texts).toContain('shared with other');
    expect(texts).toContain('4026532300');
    expect(texts).toContain('1MiB of 64MiB');
    expect(texts).toContain('DNAT → 10.87.0.2:80');
    expect(texts).toContain('sh -c echo "<hi>" & wait');
  });

  it('of a stopped container, too', () => {
    const doc = parseXml(anatomySvg(anatomy({ running: false, status: 'exited', network: { mode: 'none', endpoints: [], ports: [] } })));
    expect(allText(doc).join('\n')).toContain('not running');
  });
});

describe('the well-formedness check itself', () => {
  it.each([
    ['<a><b></a></b>', /does not close/],
    ['<a x="1" x="2"/>', /attribute x twice/],
    ['<a>&nope;</a>', /bare '&'/],
    ['<a>1 < 2</a>', /a tag without a name/],
    ['<a/><b/>', /second root/],
    ['<a>', /never closed/],
    ['<a x=1/>', /malformed attribute/],
  ])('refuses %s', (xml, why) => {
    expect(() => parseXml(xml)).toThrow(why);
  });
});
