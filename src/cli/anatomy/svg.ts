import type { ContainerAnatomy } from '../../engine/explain.js';
import { formatBytes } from '../format/bytes.js';
import { cgroupPaths, layerLabel, shortId } from './describe.js';

/**
 * A container's anatomy as one SVG slide: the overlay's layers as stacked boxes (the upper
 * dir on top), the namespaces (new ones coloured, shared ones grey), the cgroup's limits with
 * usage bars, the processes, and the network path of each published port, left to right.
 * Hand-written SVG 1.1 (no dependency); every text is escaped. Pure.
 */

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

const COLORS = {
  upper: '#c8e6c9',
  layer: '#bbdefb',
  shared: '#90caf9',
  nsNew: '#a5d6a7',
  nsShared: '#e0e0e0',
  cgroup: '#fff3e0',
  net: '#f3e5f5',
  stroke: '#455a64',
  bar: '#ef6c00',
};

class Svg {
  private readonly parts: string[] = [];

  rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): void {
    this.parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${fill}" stroke="${COLORS.stroke}" stroke-width="1.2"${extra}/>`);
  }

  text(x: number, y: number, s: string, opts: { size?: number; bold?: boolean; mono?: boolean; anchor?: 'start' | 'middle' } = {}): void {
    const attrs = [
      `x="${x}"`,
      `y="${y}"`,
      `font-size="${opts.size ?? 13}"`,
      `font-family="${opts.mono ? 'DejaVu Sans Mono, monospace' : 'DejaVu Sans, sans-serif'}"`,
      ...(opts.bold ? ['font-weight="bold"'] : []),
      ...(opts.anchor === 'middle' ? ['text-anchor="middle"'] : []),
    ];
    this.parts.push(`<text ${attrs.join(' ')}>${escapeXml(s)}</text>`);
  }

  /** A tooltip-carrying group: the full ids stay in the file for whoever opens it. */
  group(title: string, body: () => void): void {
    this.parts.push(`<g><title>${escapeXml(title)}</title>`);
    body();
    this.parts.push('</g>');
  }

  arrow(x1: number, y1: number, x2: number, y2: number): void {
    this.parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${COLORS.stroke}" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  }

  done(width: number, height: number, title: string): string {
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      `<title>${escapeXml(title)}</title>`,
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#455a64"/></marker></defs>',
      `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
      ...this.parts,
      '</svg>',
      '',
    ].join('\n');
  }
}

const size = (n: number | undefined) => (n === undefined ? '?' : formatBytes(n, 'iec'));
/** "1MiB of 64MiB", "1MiB, no limit", "limit 64MiB", "no limit". */
function usedOf(used: string | undefined, limit: string | undefined): string {
  if (used === undefined) return limit === undefined ? 'no limit' : `limit ${limit}`;
  return limit === undefined ? `${used}, no limit` : `${used} of ${limit}`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function anatomySvg(a: ContainerAnatomy): string {
  const svg = new Svg();
  const W = 1200;
  const title = `container ${a.name} (${shortId(a.id)}) · image ${a.image} · ${a.running ? `running, init pid ${a.initPid}` : `${a.status}: not running`}`;
  svg.text(20, 32, title, { size: 20, bold: true });

  // left: the overlay, merged view on top, then the upper dir, then the layers top → bottom
  const LX = 20;
  const LW = 540;
  let y = 60;
  svg.text(LX, y, 'filesystem: overlayfs', { size: 15, bold: true });
  y += 12;
  svg.rect(LX, y, LW, 34, '#ffffff', ' stroke-dasharray="5,4"');
  svg.text(LX + 12, y + 22, "/  the container's root: the layers below merged into one tree");
  y += 42;
  svg.group(`upper dir ${a.upper.dir}`, () => {
    svg.rect(LX, y, LW, 46, COLORS.upper);
    svg.text(LX + 12, y + 19, `upper dir (read-write)  ${size(a.upper.bytes)}`, { bold: true });
    svg.text(LX + 12, y + 37, clip(a.upper.dir, 70), { size: 11, mono: true });
  });
  y += 54;
  for (const l of [...a.layers].reverse()) {
    svg.group(`layer ${l.index}: diffID ${l.diffId ?? '?'} chainID ${l.chainId} blob ${l.digest ?? '?'}`, () => {
      svg.rect(LX, y, LW, 46, l.sharedWith.length ? COLORS.shared : COLORS.layer);
      svg.text(LX + 12, y + 19, `${layerLabel(l)} (read-only)  ${size(l.bytes)}`, { bold: true, mono: true });
      const shared = l.sharedWith.length ? `shared with ${l.sharedWith.join(', ')}` : 'no other container uses it';
      svg.text(LX + 12, y + 37, clip(`snapshot ${shortId(l.chainId)}…  ${shared}`, 78), { size: 11, mono: true });
    });
    y += 54;
  }
  const leftBottom = y;

  // right: namespaces, cgroup, processes
  const RX = 600;
  const RW = 580;
  y = 60;
  svg.text(RX, y, a.running ? 'namespaces (green: its own; grey: the host’s)' : 'namespaces (asked for; not running)', { size: 15, bold: true });
  y += 12;
  const perRow = 4;
  const nw = (RW - (perRow - 1) * 8) / perRow;
  a.namespaces.forEach((n, i) => {
    const x = RX + (i % perRow) * (nw + 8);
    const ny = y + Math.floor(i / perRow) * 58;
    svg.group(`${n.type} namespace: ${n.inode ?? '?'} (host ${n.hostInode ?? '?'})`, () => {
      svg.rect(x, ny, nw, 50, n.isolated ? COLORS.nsNew : COLORS.nsShared);
      svg.text(x + nw / 2, ny + 20, n.type, { bold: true, anchor: 'middle' });
      svg.text(x + nw / 2, ny + 38, n.inode !== undefined ? String(n.inode) : n.isolated ? 'new' : 'host', { size: 11, mono: true, anchor: 'middle' });
    });
  });
  y += Math.ceil(a.namespaces.length / perRow) * 58 + 16;

  const { limits, usage } = a.cgroup;
  svg.text(RX, y, `cgroup ${a.cgroup.kind}`, { size: 15, bold: true });
  y += 12;
  const rows: Array<{ label: string; used?: number; limit?: number; text: string }> = [
    {
      label: 'memory',
      ...(usage ? { used: usage.memoryBytes } : {}),
      ...(limits.memoryBytes !== undefined ? { limit: limits.memoryBytes } : {}),
      text: usedOf(usage ? size(usage.memoryBytes) : undefined, limits.memoryBytes !== undefined ? size(limits.memoryBytes) : undefined),
    },
    {
      label: 'cpu',
      text: `${limits.cpuQuotaUs && limits.cpuPeriodUs ? `${+(limits.cpuQuotaUs / limits.cpuPeriodUs).toFixed(2)} CPU (quota ${limits.cpuQuotaUs}/${limits.cpuPeriodUs} µs)` : 'no quota'}${usage ? `, ${(usage.cpuNs / 1e9).toFixed(2)} s used` : ''}`,
    },
    {
      label: 'pids',
      ...(usage ? { used: usage.pids } : {}),
      ...(limits.pids !== undefined ? { limit: limits.pids } : {}),
      text: usedOf(usage ? String(usage.pids) : undefined, limits.pids !== undefined ? String(limits.pids) : undefined),
    },
  ];
  const ch = 30 + rows.length * 30;
  svg.rect(RX, y, RW, ch, COLORS.cgroup);
  svg.text(RX + 12, y + 20, clip(cgroupPaths(a.cgroup.paths)[0] ?? '', 88), { size: 11, mono: true });
  rows.forEach((r, i) => {
    const ry = y + 44 + i * 30;
    svg.text(RX + 12, ry, r.label, { bold: true });
    svg.text(RX + 90, ry, r.text);
    if (r.used !== undefined && r.limit) {
      const bw = 140;
      const fill = Math.max(1, Math.min(bw, (r.used / r.limit) * bw));
      svg.rect(RX + RW - bw - 14, ry - 12, bw, 14, '#ffffff');
      svg.rect(RX + RW - bw - 14, ry - 12, fill, 14, COLORS.bar);
    }
  });
  y += ch + 26;

  svg.text(RX, y, 'processes', { size: 15, bold: true });
  y += 12;
  if (a.running) {
    svg.rect(RX, y, 260, 44, '#ffffff');
    svg.text(RX + 12, y + 18, `monitor pid ${a.monitor?.pid ?? '?'}`, { bold: true });
    svg.text(RX + 12, y + 36, `minibox-shim, RSS ${size(a.monitor?.rssBytes)}`, { size: 11 });
    svg.arrow(RX + 262, y + 22, RX + 318, y + 22);
    svg.rect(RX + 320, y, RW - 320, 44, COLORS.nsNew);
    svg.text(RX + 332, y + 18, `init pid ${a.initPid} (1 inside)`, { bold: true });
    svg.text(RX + 332, y + 36, clip(a.command.join(' '), 38), { size: 11, mono: true });
  } else {
    svg.rect(RX, y, RW, 44, COLORS.nsShared);
    svg.text(RX + 12, y + 27, `not running (${a.status}): no processes, no kernel state`, { bold: true });
  }
  y += 60;

  // bottom: the network path, one row per published port (or the interface alone)
  y = Math.max(y, leftBottom + 16);
  svg.text(LX, y, `network: ${a.network.mode}`, { size: 15, bold: true });
  y += 12;
  const ep = a.network.endpoints[0];
  const paths: string[][] = a.network.ports.map((p) => [
    `host ${p.hostIp}:${p.hostPort}/${p.proto}`,
    `DNAT → ${p.dnatTo ?? '?'}`,
    ...(ep ? [`bridge ${ep.bridge}`, `veth ${ep.veth}`, `${ep.ifname} ${ep.ip}:${p.containerPort}`] : []),
  ]);
  if (paths.length === 0 && ep) paths.push([`bridge ${ep.bridge} ${ep.gateway}`, `veth ${ep.veth}`, `${ep.ifname} ${ep.ip}/${ep.prefix}`]);
  if (paths.length === 0) paths.push([a.running ? (a.network.mode === 'host' ? "the host's network" : 'lo only') : 'not running: no network']);
  for (const hops of paths) {
    const gap = 30;
    const bw = (W - 2 * LX - (hops.length - 1) * gap) / hops.length;
    hops.forEach((hop, i) => {
      const x = LX + i * (bw + gap);
      svg.rect(x, y, bw, 40, COLORS.net);
      svg.text(x + bw / 2, y + 25, clip(hop, Math.floor(bw / 7.5)), { size: 12, mono: true, anchor: 'middle' });
      if (i > 0) svg.arrow(x - gap + 2, y + 20, x - 2, y + 20);
    });
    y += 52;
  }
  const sec = a.security;
  y += 8;
  svg.text(LX, y, `confinement: ${sec.capabilities.length} capabilities, seccomp ${sec.seccomp ? `${sec.seccomp.rules} rules (default ${sec.seccomp.defaultAction})` : 'unconfined'}${sec.privileged ? ', privileged' : ''}, user ${sec.user}`, { size: 13 });
  y += 20;
  return svg.done(W, y, title);
}
