import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import type { ResourceFlags } from '../../engine/resources.js';
import type { NetworkFlags } from '../../engine/network.js';
import type { HealthFlags } from '../../engine/run.js';
import type { PullEvent } from '../../engine/pull.js';
import type { PullRenderer } from '../progress/renderer.js';
import { mark } from '../../util/trace.js';
import { MiniboxError } from '../../util/errors.js';
import { collect } from '../options.js';

/** `minibox run`: every flag of it here; the engine is loaded when the command runs. */
export function defineRun(program: Command): void {
  const run = program.command('run');
  resourceOptions(run);
  networkOptions(run);
  mountOptions(run);
  run
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('--restart <policy>', 'Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)', 'no')
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .option('--rm', 'Automatically remove the container when it exits', false)
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--entrypoint <entrypoint>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-h, --hostname <name>', 'Container host name')
    .option('-i, --interactive', 'Keep STDIN open', false)
    .addOption(new Option('--pull <policy>', 'Pull image before running').choices(['missing', 'always', 'never']).default('missing'))
    .option('--platform <platform>', 'Set platform if server is multi-platform capable')
    .option('--device <list>', 'Add a host device to the container', collect, [])
    .option('--privileged', 'Give extended privileges to this container', false)
    .option('--cap-add <list>', 'Add Linux capabilities', collect, [])
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect, [])
    .option('--security-opt <list>', 'Security Options', collect, [])
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--group-add <list>', 'Add additional groups to join', collect, [])
    .option('--ulimit <ulimit>', 'Ulimit options', collect, [])
    .option('--env-file <list>', 'Read in a file of environment variables', collect, [])
    .option('-l, --label <list>', 'Set meta data on a container', collect, [])
    .option('--label-file <list>', 'Read in a line delimited file of labels', collect, [])
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container', parseStopTimeout)
    .option('--shm-size <bytes>', 'Size of /dev/shm')
    .option('--sysctl <map>', 'Sysctl options', collect, [])
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes', false)
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .addOption(new Option('--help', 'Print usage').hideHelp())
    .helpOption(false)
    // -h is --hostname here (Docker's), so commander's own help flag is off; --help still
    // prints the usage, before the missing IMAGE argument could be reported
    .on('option:help', function (this: Command) {
      this.outputHelp();
      throw new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)');
    })
    .passThroughOptions()
    .action(async (image: string, command: string[], opts: RunOptions) => {
      mark('cli: parsed');
      process.exitCode = await runCommand(image, command, opts);
    });
}

/** Docker's resource flags, shared by `run` and `update`. */
export function resourceOptions(cmd: Command): Command {
  return cmd
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)');
}

function networkOptions(cmd: Command): Command {
  return cmd
    .option('--network <network>', 'Connect a container to a network (bridge, host, none or a network name)')
    .option('--net <network>', 'Alias of --network')
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports', false)
    .option('--link <list>', 'Add link to another container', collect, [])
    .option('--dns <list>', 'Set custom DNS servers', collect, [])
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect, []);
}

/** -v, --mount, --tmpfs, --read-only (parsed by container/mounts.ts). */
function mountOptions(cmd: Command): Command {
  return cmd
    .option('-v, --volume <list>', 'Bind mount a volume', collect, [])
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect, [])
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect, [])
    .option('--read-only', "Mount the container's root filesystem as read only", false)
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect, []);
}

/** Flags of `minibox run` as commander parsed them. */
export interface RunOptions extends ResourceFlags {
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  volumesFrom?: string[];
  rm: boolean;
  name?: string;
  env: string[];
  entrypoint?: string;
  workdir?: string;
  hostname?: string;
  interactive: boolean;
  pull?: 'missing' | 'always' | 'never';
  platform?: string;
  detach?: boolean;
  tty?: boolean;
  restart?: string;
  network?: string;
  net?: string;
  publish?: string[];
  publishAll?: boolean;
  link?: string[];
  dns?: string[];
  addHost?: string[];
  networkAlias?: string[];
  device?: string[];
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  user?: string;
  groupAdd?: string[];
  ulimit?: string[];
  envFile?: string[];
  label?: string[];
  labelFile?: string[];
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  shmSize?: string;
  sysctl?: string[];
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthcheck?: boolean; // false: --no-healthcheck
}

export async function runCommand(image: string, command: string[], opts: RunOptions): Promise<number> {
  // a pull for a missing image reports on stderr, as Docker's run does
  let renderer: PullRenderer | undefined;
  const { rendererFor } = await import('../progress/renderer.js');
  try {
    return await runContainerWithPull(image, command, opts, (e) => (renderer ??= rendererFor(process.stderr)).onEvent(e));
  } finally {
    renderer?.close();
  }
}

async function runContainerWithPull(image: string, command: string[], opts: RunOptions, onPullEvent: (e: PullEvent) => void): Promise<number> {
  // Docker's: a container removed at exit cannot also be restarted by a policy
  if (opts.rm && opts.restart !== undefined && opts.restart !== 'no') throw new MiniboxError('Conflicting options: cannot specify both --restart and --rm.', 125);
  const { runContainer, parseSecurityOpt } = await import('../../engine/run.js');
  const { readSecurityOpts } = await import('../security-opt.js');
  const securityOpt = readSecurityOpts(opts.securityOpt ?? [], parseSecurityOpt);
  return runContainer({
    pull: opts.pull ?? 'missing',
    onPullEvent,
    ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
    image,
    command,
    env: opts.env,
    interactive: opts.interactive,
    autoRemove: opts.rm,
    resources: resourceFlags(opts),
    network: networkFlags(opts),
    detach: opts.detach === true,
    tty: opts.tty === true,
    ...(opts.restart !== undefined ? { restart: opts.restart } : {}),
    onDetached: (id) => process.stdout.write(`${id}\n`),
    devices: opts.device ?? [],
    privileged: opts.privileged === true,
    capAdd: opts.capAdd ?? [],
    capDrop: opts.capDrop ?? [],
    securityOpt,
    mounts: { volumes: opts.volume ?? [], mounts: opts.mount ?? [], tmpfs: opts.tmpfs ?? [], readOnly: opts.readOnly === true },
    volumesFrom: opts.volumesFrom ?? [],
    onWarning: (message) => process.stderr.write(`minibox: WARNING: ${message}\n`),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    groupAdd: opts.groupAdd ?? [],
    ulimits: opts.ulimit ?? [],
    envFiles: opts.envFile ?? [],
    labels: opts.label ?? [],
    labelFiles: opts.labelFile ?? [],
    init: opts.init === true,
    ...(opts.shmSize !== undefined ? { shmSize: opts.shmSize } : {}),
    sysctls: opts.sysctl ?? [],
    ...(opts.stopSignal !== undefined ? { stopSignal: opts.stopSignal } : {}),
    ...(opts.stopTimeout !== undefined ? { stopTimeout: opts.stopTimeout } : {}),
    health: healthFlags(opts),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
  });
}

/** --health-* and --no-healthcheck for the engine. */
function healthFlags(o: RunOptions): HealthFlags {
  const f: HealthFlags = o.healthcheck === false ? { none: true } : {};
  if (o.healthCmd !== undefined) f.cmd = o.healthCmd;
  if (o.healthInterval !== undefined) f.interval = o.healthInterval;
  if (o.healthTimeout !== undefined) f.timeout = o.healthTimeout;
  if (o.healthRetries !== undefined) f.retries = o.healthRetries;
  if (o.healthStartPeriod !== undefined) f.startPeriod = o.healthStartPeriod;
  return f;
}

/** --network (or --net), -p, -P, --link, --dns, --add-host, --network-alias for the engine. */
function networkFlags(o: RunOptions): NetworkFlags {
  const network = o.network ?? o.net;
  return {
    ...(network !== undefined ? { network } : {}),
    publish: o.publish ?? [],
    publishAll: o.publishAll === true,
    links: o.link ?? [],
    dns: o.dns ?? [],
    addHosts: o.addHost ?? [],
    aliases: o.networkAlias ?? [],
    ...(o.hostname !== undefined ? { hostname: o.hostname } : {}), // checked with the network's text flags
  };
}

/** The resource flags, shared by `run` and `update`. */
export function resourceFlags(opts: ResourceFlags): ResourceFlags {
  const keys = ['memory', 'memorySwap', 'memoryReservation', 'cpus', 'cpuShares', 'cpuPeriod', 'cpuQuota', 'cpusetCpus', 'pidsLimit'] as const;
  const out: ResourceFlags = {};
  for (const k of keys) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

/** Docker's int flag: a decimal, else its strconv wording (commander prints it, exit 125 via main). */
function parseStopTimeout(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}
