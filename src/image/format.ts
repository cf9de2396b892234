/**
 * Docker's human-readable formats for `images`, reproduced exactly because users and
 * scripts compare them: go-units HumanSizeWithPrecision(size, 3) (decimal units, %.3g),
 * go-units HumanDuration + " ago", and text/tabwriter(minwidth 10, padding 3).
 */
const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's %.<p>g: shortest of fixed/exponent form, trailing zeros dropped, exponent ≥ 2 digits. */
export function formatG(x: number, precision: number): string {
  if (x === 0) return '0';
  const [mant = '0', expStr = '0'] = x.toExponential(precision - 1).split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= precision) {
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const sign = exp < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

export function humanSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < SIZE_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${formatG(size, 3)}${SIZE_UNITS[unit]}`;
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 days ago", or "N/A" when the image has no (or a zero) creation time. */
export function createdSince(created: string | undefined, now: number): string {
  const t = created ? Date.parse(created) : NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** text/tabwriter as Docker configures it: each column min 10 wide, 3 spaces of padding; last column unpadded. */
export function tabulate(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(10, cell.length + 3));
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join(''))
    .map((line) => `${line}\n`)
    .join('');
}

export interface ImageRow {
  repository: string; // familiar: busybox, or <none>
  tag: string; // or <none>
  imageId: string; // sha256:<hex>
  created?: string;
  size: number;
}

export function formatImagesTable(rows: ImageRow[], opts: { noTrunc: boolean; now: number }): string {
  const id = (d: string): string => (opts.noTrunc ? d : d.replace(/^sha256:/, '').slice(0, 12));
  const table = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const r of rows) table.push([r.repository, r.tag, id(r.imageId), createdSince(r.created, opts.now), humanSize(r.size)]);
  return tabulate(table);
}

export function formatImageIds(rows: ImageRow[], opts: { noTrunc: boolean }): string {
  return rows.map((r) => `${opts.noTrunc ? r.imageId : r.imageId.replace(/^sha256:/, '').slice(0, 12)}\n`).join('');
}
