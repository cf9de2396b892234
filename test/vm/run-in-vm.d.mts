// Types for run-in-vm.mjs (plain ESM so node can run it directly).
export interface RunInVmOptions {
  /** Kill the guest after this long, boot included (default 600 000). */
  timeoutMs?: number;
  /** Added to the job's minimal environment (PATH, HOME, TERM, LANG). */
  env?: Record<string, string>;
  /** The job's working directory, a host path (default: the repo). */
  cwd?: string;
  /** Guest RAM (default $MINIBOX_VM_MEMORY_MB or 1024). */
  memoryMb?: number;
  /** Guest CPUs (default $MINIBOX_VM_CPUS or 2). */
  cpus?: number;
  /** Each chunk of the serial console, as it comes. */
  onConsole?: (chunk: string) => void;
  /** Also copy the job's output to the serial console while it runs. */
  stream?: boolean;
  /** Wait for the host-wide boot lock (default true); false boots beside other guests. */
  exclusive?: boolean;
  /** Run qemu at this niceness (the host's work goes first). */
  nice?: number;
  /** Aborting kills the guest; the call then rejects. */
  signal?: AbortSignal;
}
export interface RunInVmResult {
  /** The command's exit status (128+n when killed by signal n). */
  code: number;
  /** Its stdout and stderr, interleaved. */
  output: string;
}
export interface VmManifest {
  kernelVersion: string;
  kernelDeb: string;
  kernel: string;
  initrd: string;
  busybox: string;
}
export const REPO: string;
export const VM_CACHE: string;
export function prepareVm(): Promise<VmManifest>;
export function runInVm(command: string, opts?: RunInVmOptions): Promise<RunInVmResult>;
