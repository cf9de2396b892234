import { existsSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../../util/errors.js';
import { writeControl } from './files.js';
import type { BlockIO, DeviceRate } from './types.js';

/**
 * OCI linux.resources.blockIO as cgroup file writes, in runc's cgroupfs drivers' terms
 * (libcontainer/cgroups/fs/blkio.go, fs2/io.go). Pure but for writeExisting: the v1 and v2
 * drivers only decide which files this host has and write the lines given here, in order.
 */
export type ControlWrite = readonly [file: string, value: string];

/** "major:minor", the device key of every blkio and io file. */
export function deviceKey(d: { major: number; minor: number }): string {
  return `${d.major}:${d.minor}`;
}

/** A v1 per-device line: "8:0 500" (weight_device, throttle.*_device). */
export function deviceLine(d: { major: number; minor: number }, value: number): string {
  return `${deviceKey(d)} ${value}`;
}

/**
 * The OCI spec's blkio weight (v1's 10..1000) as a v2 io.weight (1..10000), runc's linear map
 * (libcontainer/cgroups/utils.go ConvertBlkIOToIOWeightValue): 1 + (w - 10) * 9999 / 990 in
 * integer arithmetic, so 10 → 1, 100 → 910, 500 → 4950, 1000 → 10000. 0 stays 0 (unset).
 */
export function ioWeightOf(blkioWeight: number): number {
  if (blkioWeight === 0) return 0;
  return 1 + Math.floor(((blkioWeight - 10) * 9999) / 990);
}

const THROTTLES = [
  ['throttleReadBpsDevice', 'read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'write_iops_device', 'wiops'],
] as const;

/**
 * v1 blkio: weights go to blkio.bfq.weight(_device) where the BFQ files exist (kernels since
 * CFQ's removal, 5.0), else to blkio.weight(_device); leaf weights (CFQ only) to
 * blkio.leaf_weight(_device); each throttle entry is one line of blkio.throttle.<kind>_device.
 */
export function blkioWrites(b: BlockIO, bfq: boolean): ControlWrite[] {
  const out: ControlWrite[] = [];
  const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
  if (b.weight) out.push([weightFile, String(b.weight)]);
  if (b.leafWeight) out.push(['blkio.leaf_weight', String(b.leafWeight)]);
  for (const d of b.weightDevice ?? []) {
    if (d.weight) out.push([`${weightFile}_device`, deviceLine(d, d.weight)]);
    if (d.leafWeight) out.push(['blkio.leaf_weight_device', deviceLine(d, d.leafWeight)]);
  }
  for (const [field, file] of THROTTLES) for (const d of (b[field] ?? []) as DeviceRate[]) out.push([`blkio.throttle.${file}`, deviceLine(d, d.rate)]);
  return out;
}

/** What a v2 cgroup offers for weights: io.bfq.weight at all, and (kernel ≥ 5.4) per device. */
export interface IoWeightFiles {
  bfq: boolean;
  bfqPerDevice: boolean;
}

/**
 * v2 io, as runc's fs2: the weight raw into io.bfq.weight when BFQ is there, else converted
 * (ioWeightOf) into io.weight; per-device weights only into a per-device io.bfq.weight (runc
 * drops them otherwise); leaf weights have no v2 file; throttles are io.max lines
 * "8:0 rbps=1048576" (one key per line, as runc writes them).
 */
export function ioWrites(b: BlockIO, files: IoWeightFiles): ControlWrite[] {
  const out: ControlWrite[] = [];
  if (b.weight) out.push(files.bfq ? ['io.bfq.weight', String(b.weight)] : ['io.weight', String(ioWeightOf(b.weight))]);
  if (files.bfqPerDevice) for (const d of b.weightDevice ?? []) if (d.weight) out.push(['io.bfq.weight', deviceLine(d, d.weight)]);
  for (const [field, , key] of THROTTLES) for (const d of (b[field] ?? []) as DeviceRate[]) out.push(['io.max', `${deviceKey(d)} ${key}=${d.rate}`]);
  return out;
}

/**
 * Does io.bfq.weight take per-device lines? runc's test (fs2/io.go bfqDeviceWeightSupported):
 * older kernels show a bare number, newer ones "default 100" plus device lines.
 */
export function bfqPerDevice(ioBfqWeight: string): boolean {
  return ioBfqWeight.trim() !== '' && !/^\d+$/.test(ioBfqWeight.trim());
}

/**
 * Why a linux.resources.unified key cannot be a file of the container's cgroup (runc's
 * fs2.setUnified checks), or undefined: a file name, no path, in CONTROLLER.PARAMETER form.
 */
export function unifiedKeyProblem(key: string): string | undefined {
  if (key.includes('/') || key === '.' || key === '..' || key.includes('\0')) return 'must be a file name (no slashes)';
  if (key.indexOf('.') <= 0) return 'must be in the form CONTROLLER.PARAMETER';
  return undefined;
}

/**
 * Write the lines in order, once every file is known to be there: a kernel without one
 * (blkio.leaf_weight went with CFQ in 5.0; io.weight needs the iocost controller) is a
 * one-line refusal naming the file, before anything is written, not an EACCES from O_CREAT.
 */
export function writeExisting(dir: string, writes: ControlWrite[]): void {
  const missing = writes.find(([file]) => !existsSync(path.join(dir, file)));
  if (missing) throw new MiniboxError(`linux.resources.blockIO: this kernel has no ${missing[0]} (the file it would be written to)`, 1);
  for (const [file, value] of writes) writeControl(dir, file, value);
}
