/**
 * Byte sizes as docker stats prints them: memory in binary units ("1.5MiB / 64MiB"),
 * I/O in decimal ones ("1.2kB / 0B"), go-units style with up to 4 significant digits.
 */
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const SI = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(n: number, kind: 'iec' | 'si'): string {
  const base = kind === 'iec' ? 1024 : 1000;
  const units = kind === 'iec' ? IEC : SI;
  let i = 0;
  let v = n;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const text = Number(v.toPrecision(4)).toString();
  return `${text}${units[i]}`;
}
