/**
 * Byte sizes as go-units prints them: HumanSizeWithPrecision (decimal units, `%.<p>g`) for
 * `images` (3 digits) and pull progress (4), and BytesSize (binary units, 4 digits) for
 * `stats` memory. One formatter, so every command rounds the same way.
 */
const SI = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

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

function scaled(bytes: number, base: number, units: readonly string[], precision: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= base && unit < units.length - 1) {
    size /= base;
    unit++;
  }
  return `${formatG(size, precision)}${units[unit]}`;
}

/** go-units HumanSizeWithPrecision: `images` uses 3 digits ("2.15MB"), progress 4 ("3.146MB"). */
export function humanSize(bytes: number, precision = 3): string {
  return scaled(bytes, 1000, SI, precision);
}

/** `docker stats`: memory in binary units ("1.5MiB / 64MiB"), I/O in decimal ones ("1.2kB / 0B"). */
export function formatBytes(n: number, kind: 'iec' | 'si'): string {
  return kind === 'iec' ? scaled(n, 1024, IEC, 4) : scaled(n, 1000, SI, 4);
}
