// Two kinds of chart for the benchmark report, as plain SVG text (GitHub renders them inline
// in REPORT.md; no charting dependency for ~150 lines of drawing):
//  - ratioChart: one horizontal bar per case, minibox's time ÷ the reference's on a log
//    scale centred on 1 (left of the line minibox is faster), with the goal marked;
//  - lineChart: a figure as N grows (time per container for 1…100 containers), one line per
//    engine, so a cost that is not linear shows as a bend.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const COLOURS = { faster: '#2e7d32', slower: '#c62828', goal: '#1565c0', grid: '#d0d0d0', text: '#222', muted: '#666' };
const SERIES = ['#2e7d32', '#6a1b9a', '#ef6c00', '#1565c0', '#c62828'];

export function escapeXml(s) {
  return String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

const fmt = (x) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));

/** rows: [{ label, ratio, goal? (max ratio) }]; log10 axis from 1/8 to 8, clamped. */
export function ratioChart({ title, rows }) {
  const rowH = 26;
  const labelW = 330;
  const plotW = 420;
  const top = 48;
  const width = labelW + plotW + 70;
  const height = top + rows.length * rowH + 40;
  const lo = Math.log10(1 / 8);
  const hi = Math.log10(8);
  const x = (v) => labelW + ((Math.min(Math.max(Math.log10(v), lo), hi) - lo) / (hi - lo)) * plotW;
  const one = x(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600" fill="${COLOURS.text}">${escapeXml(title)}</text>`,
    `<text x="12" y="38" fill="${COLOURS.muted}">minibox time ÷ reference time (log scale); left of 1× minibox is faster; ▏goal</text>`,
  ];
  for (const t of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]) {
    out.push(`<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${height - 30}" stroke="${COLOURS.grid}" stroke-width="${t === 1 ? 1.5 : 0.7}"/>`);
    out.push(`<text x="${x(t)}" y="${height - 14}" text-anchor="middle" fill="${COLOURS.muted}">${t < 1 ? `1/${1 / t}` : t}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const v = r.ratio;
    out.push(`<text x="${labelW - 8}" y="${y + 17}" text-anchor="end" fill="${COLOURS.text}">${escapeXml(r.label)}</text>`);
    if (Number.isFinite(v) && v > 0) {
      const xv = x(v);
      const colour = v <= 1 ? COLOURS.faster : COLOURS.slower;
      out.push(`<rect x="${Math.min(one, xv)}" y="${y + 5}" width="${Math.max(1, Math.abs(xv - one))}" height="${rowH - 10}" fill="${colour}" opacity="0.8"/>`);
      out.push(`<text x="${v <= 1 ? Math.min(one, xv) - 4 : xv + 4}" y="${y + 17}" text-anchor="${v <= 1 ? 'end' : 'start'}" fill="${COLOURS.text}">${fmt(v)}×</text>`);
    }
    if (r.goal !== undefined) {
      out.push(`<line x1="${x(r.goal)}" y1="${y + 2}" x2="${x(r.goal)}" y2="${y + rowH - 2}" stroke="${COLOURS.goal}" stroke-width="2.5"/>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** xs: N values; series: [{ name, ys: number[] (NaN for missing) }]; y from 0. */
export function lineChart({ title, subtitle, xLabel, yLabel, xs, series }) {
  const width = 640;
  const height = 340;
  const left = 64;
  const right = 150;
  const top = 52;
  const bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.ys).filter(Number.isFinite);
  const yMax = niceCeil(Math.max(1e-9, ...all));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const px = (v) => left + (xMax === xMin ? plotW / 2 : ((v - xMin) / (xMax - xMin)) * plotW);
  const py = (v) => top + plotH - (v / yMax) * plotH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600" fill="${COLOURS.text}">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="12" y="38" fill="${COLOURS.muted}">${escapeXml(subtitle)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    out.push(`<line x1="${left}" y1="${py(v)}" x2="${left + plotW}" y2="${py(v)}" stroke="${COLOURS.grid}" stroke-width="0.7"/>`);
    out.push(`<text x="${left - 6}" y="${py(v) + 4}" text-anchor="end" fill="${COLOURS.muted}">${fmt(v)}</text>`);
  }
  for (const v of xs) out.push(`<text x="${px(v)}" y="${top + plotH + 18}" text-anchor="middle" fill="${COLOURS.muted}">${v}</text>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" fill="${COLOURS.text}">${escapeXml(xLabel)}</text>`);
  out.push(`<text x="14" y="${top + plotH / 2}" text-anchor="middle" fill="${COLOURS.text}" transform="rotate(-90 14 ${top + plotH / 2})">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = SERIES[i % SERIES.length];
    const pts = xs.map((v, j) => [v, s.ys[j]]).filter(([, y]) => Number.isFinite(y));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2.5" points="${pts.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    out.push(`<rect x="${left + plotW + 16}" y="${top + i * 22}" width="12" height="12" fill="${colour}"/>`);
    out.push(`<text x="${left + plotW + 34}" y="${top + i * 22 + 11}" fill="${COLOURS.text}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
