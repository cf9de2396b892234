import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { unifiedKeyProblem, type BlockIO, type DeviceRate, type DeviceWeight, type HugepageLimit, type Limits } from '../linux/cgroups/index.js';

/**
 * The parts of an OCI LinuxResources document (config-linux.md) only minibox-runtime speaks:
 * blockIO, hugepageLimits and unified, as cgroup Limits. One reader for config.json's
 * linux.resources (translate.ts) and `update --resources` (manage.ts); the cgroup drivers
 * write them (src/linux/cgroups, blockio.ts). Pure; anything malformed is refused by name.
 */
export type RuntimeOnlyLimits = Pick<Limits, 'blockIO' | 'hugepageLimits' | 'unified'>;

function bad(what: string, expected: string): never {
  throw new MiniboxError(`invalid ${what}: expected ${expected}`, 1);
}

function uint(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) bad(what, 'a non-negative integer');
  return v as number;
}

/** A weight: 10..1000 as the spec says; 0 or absent is unset (runc's reading of a Go zero). */
function weight(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (!Number.isInteger(v) || (v as number) < 10 || (v as number) > 1000) bad(what, '10..1000');
  return v as number;
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(what, 'an array');
  return v;
}

function device(o: JsonObject, what: string): { major: number; minor: number } {
  return { major: uint(o.major, `${what}.major`), minor: uint(o.minor, `${what}.minor`) };
}

function blockIOOf(raw: unknown, what: string): BlockIO | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = expectObject(raw, what);
  const b: BlockIO = {};
  const w = weight(o.weight, `${what}.weight`);
  if (w !== undefined) b.weight = w;
  const lw = weight(o.leafWeight, `${what}.leafWeight`);
  if (lw !== undefined) b.leafWeight = lw;
  const weights: DeviceWeight[] = list(o.weightDevice, `${what}.weightDevice`).map((e, i) => {
    const at = `${what}.weightDevice[${i}]`;
    const d = expectObject(e, at);
    const dw = weight(d.weight, `${at}.weight`);
    const dl = weight(d.leafWeight, `${at}.leafWeight`);
    return { ...device(d, at), ...(dw !== undefined ? { weight: dw } : {}), ...(dl !== undefined ? { leafWeight: dl } : {}) };
  });
  if (weights.length) b.weightDevice = weights;
  for (const field of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    const rates: DeviceRate[] = list(o[field], `${what}.${field}`).map((e, i) => {
      const at = `${what}.${field}[${i}]`;
      const d = expectObject(e, at);
      return { ...device(d, at), rate: uint(d.rate, `${at}.rate`) };
    });
    if (rates.length) b[field] = rates;
  }
  return Object.keys(b).length ? b : undefined;
}

/** The kernel's hugetlb file names: 64KB, 2MB, 1GB… */
const PAGE_SIZE = /^[1-9]\d*[KMGTP]B$/;

function hugepagesOf(raw: unknown, what: string): HugepageLimit[] {
  return list(raw, what).map((e, i) => {
    const at = `${what}[${i}]`;
    const o = expectObject(e, at);
    if (typeof o.pageSize !== 'string' || !PAGE_SIZE.test(o.pageSize)) bad(`${at}.pageSize`, 'a page size as the kernel names it ("2MB", "1GB")');
    return { pageSize: o.pageSize, limit: uint(o.limit, `${at}.limit`) };
  });
}

function unifiedOf(raw: unknown, what: string): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = expectObject(raw, what);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const problem = unifiedKeyProblem(k);
    if (problem) throw new MiniboxError(`invalid ${what} key "${k}": ${problem}`, 1);
    if (typeof v !== 'string') bad(`${what}["${k}"]`, 'a string');
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** blockIO, hugepageLimits and unified of a LinuxResources object; `what` names it in errors. */
export function runtimeOnlyLimits(resources: unknown, what: string): RuntimeOnlyLimits {
  const r = isObject(resources) ? resources : {};
  const out: RuntimeOnlyLimits = {};
  const blockIO = blockIOOf(r.blockIO, `${what}.blockIO`);
  if (blockIO) out.blockIO = blockIO;
  const huge = hugepagesOf(r.hugepageLimits, `${what}.hugepageLimits`);
  if (huge.length) out.hugepageLimits = huge;
  const unified = unifiedOf(r.unified, `${what}.unified`);
  if (unified) out.unified = unified;
  return out;
}
