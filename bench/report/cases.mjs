// Every benchmark module reports in its own shape (its `format` prints it); the report needs
// one: a list of cases, each minibox's figure against one reference tool's, as a time ratio
// (minibox ÷ reference: below 1, minibox is faster), with the goal it is held to.
//
// A module may return `cases` itself (the newer ones do); for the older ones the readers
// below pick the rows out of their reports, so their printed output stays as it was.
//
//   Case = { id, group, label, subject: Stat, reference: Stat, ratio, unit,
//            goal?: { max: number, text: string }, pass?: boolean | null, note?: string }
//   Stat = { tool, median, min, max }   (ms unless `unit` says otherwise)
import { GOALS } from './goals.mjs';

export function stat(tool, median, min = median, max = median) {
  return { tool, median, min, max };
}

/** A row of measure.mjs's sampleRow shape (medianMs, minMs, maxMs) as a Stat. */
export function statOfRow(row) {
  return stat(row.tool, row.medianMs, row.minMs ?? row.medianMs, row.maxMs ?? row.medianMs);
}

/** A case comparing two Stats; the goal (by id, from goals.mjs) is attached and judged. */
export function ratioCase(id, group, label, subject, reference, extra = {}) {
  const c = { id, group, label, subject, reference, ratio: subject.median / reference.median, unit: 'ms', ...extra };
  return judged(c);
}

/** A case holding one figure against a bound (peak RSS, memory per container…). */
export function valueCase(id, group, label, value, unit, extra = {}) {
  return judged({ id, group, label, value, unit, ...extra });
}

function judged(c) {
  const goal = GOALS[c.id];
  if (!goal) return { ...c, pass: null };
  const v = c.ratio ?? c.value;
  return { ...c, goal, pass: Number.isFinite(v) ? v <= goal.max : null };
}

const find = (rows, pred) => rows?.find(pred);

const READERS = {
  extract(r) {
    const tarXzf = find(r.rows, (x) => x.tool === 'tar -xzf');
    const tarXf = find(r.rows, (x) => x.tool === 'tar -xf');
    const mb = find(r.rows, (x) => x.tool === 'minibox') ?? find(r.rows, (x) => x.tool.startsWith('minibox'));
    if (!tarXzf || !mb) return [];
    const out = [ratioCase('extract-vs-tar-xzf', 'layers', `extract a ${mb.layerLabel ?? 'layer'} (gzip)`, statOfRow(mb), statOfRow(tarXzf))];
    if (tarXf) out.push(ratioCase('extract-vs-tar-xf', 'layers', 'extract, vs tar -xf of the uncompressed tar', statOfRow(mb), statOfRow(tarXf)));
    const podmanLoad = find(r.rows, (x) => x.tool.startsWith('podman load'));
    if (podmanLoad) out.push(ratioCase('extract-vs-podman-load', 'layers', 'extract, vs podman load', statOfRow(mb), statOfRow(podmanLoad)));
    out.push(valueCase('extract-rss', 'layers', 'extract: peak RSS', mb.peakRssMiB, 'MiB'));
    return out;
  },
  pack(r) {
    const tar = find(r.rows, (x) => x.tool === 'tar -czf');
    const mb = find(r.rows, (x) => x.tool === 'minibox');
    return tar && mb ? [ratioCase('pack-vs-tar-czf', 'layers', 'write a layer (tar + gzip)', statOfRow(mb), statOfRow(tar))] : [];
  },
  pull(r) {
    const mb = find(r.rows, (x) => x.tool === 'minibox pull');
    const ref = find(r.rows, (x) => x.tool === 'skopeo copy + umoci unpack');
    const out = mb && ref ? [ratioCase('pull-vs-skopeo-umoci', 'images', 'pull + unpack, 3 layers, local registry', statOfRow(mb), statOfRow(ref))] : [];
    const podman = find(r.rows, (x) => x.tool.startsWith('podman pull'));
    if (mb && podman) out.push(ratioCase('pull-vs-podman', 'images', 'pull + unpack, vs podman pull', statOfRow(mb), statOfRow(podman)));
    return out;
  },
  'run-network'(r) {
    const [mb, podman] = r.rows ?? [];
    if (!mb || !podman) return [];
    const s = (row, tool) => stat(tool, row.median_ms, row.min_ms ?? row.median_ms, row.max_ms ?? row.median_ms);
    return [ratioCase('run-bridge-vs-podman', 'run', 'run --rm busybox true, bridge network', s(mb, 'minibox'), s(podman, 'podman (runc)'))];
  },
  build(r) {
    const out = [];
    for (const kind of ['cold', 'cached']) {
      const mb = find(r.rows, (x) => x.kind === kind && x.tool === 'minibox');
      const podman = find(r.rows, (x) => x.kind === kind && x.tool === 'podman');
      if (mb && podman) {
        const s = (row, tool) => stat(tool, row.median_ms, row.min_ms ?? row.median_ms, row.max_ms ?? row.median_ms);
        out.push(ratioCase(`build-${kind}-vs-podman`, 'build', `build the lecture's Dockerfile (${kind})`, s(mb, 'minibox'), s(podman, 'podman build')));
      }
    }
    return out;
  },
  runtime(r) {
    const s = (row) => stat(row.runtime, row.median_ms, row.min_ms, row.max_ms);
    return ['cycle', 'run'].flatMap((mode) => {
      const mb = find(r.rows, (x) => x.runtime === 'minibox-runtime' && x.mode === mode);
      const runc = find(r.rows, (x) => x.runtime === 'runc' && x.mode === mode);
      const what = mode === 'cycle' ? 'create + start + delete of a bundle' : 'run of a bundle';
      return mb && runc ? [ratioCase(`runtime-${mode}-vs-runc`, 'oci-runtime', `minibox-runtime ${what}`, s(mb), s(runc))] : [];
    });
  },
  databases(r) {
    const sizes = Object.keys(r.ratios ?? {}).map(Number).sort((a, b) => a - b);
    const n = sizes.at(-1);
    const mb = find(r.rows, (x) => x.tool === 'minibox' && x.n === n);
    const podman = find(r.rows, (x) => x.tool === 'podman' && x.n === n);
    if (!mb || !podman) return [];
    return [
      ratioCase('databases-ready-vs-podman', 'mysql', `${n} databases started, all ready`, stat('minibox', mb.ready_ms), stat('podman', podman.ready_ms)),
      ratioCase('databases-memory-vs-podman', 'mysql', `${n} databases: memory per container`, stat('minibox', mb.mem_per_container_mib), stat('podman', podman.mem_per_container_mib), { unit: 'MiB' }),
    ];
  },
};

/** The cases of one module's report: its own `cases`, else what its reader finds. */
export function casesOf(report) {
  if (report?.error) return [];
  if (Array.isArray(report?.cases)) return report.cases.map((c) => (c.goal || !GOALS[c.id] ? c : judged(c)));
  const read = READERS[report?.name];
  try {
    return read ? read(report) : [];
  } catch {
    return []; // a report of an unexpected shape contributes no case rather than no report
  }
}
