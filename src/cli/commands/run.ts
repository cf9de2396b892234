import { Option, type Command } from 'commander';
import type { ResourceFlags } from '../../engine/resources.js';
import type { NetworkFlags } from '../../engine/network.js';
import type { PullEvent } from '../../engine/pull.js';
import type { PullRenderer } from '../progress/renderer.js';
import { mark } from '../../util/trace.js';
import { collect } from '../options.js';

/** `minibox run`: every flag of it here; the engine is loaded when the command runs. */
export function defineRun(program: Command): void {
  const run = program.command('run');
  resourceOptions(run);
  networkOptions(run);
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
    .addOption(new Option('--help', 'Print usage').hideHelp())
    .helpOption(false)
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

/** Flags of `minibox run` as commander parsed them. */
export interface RunOptions extends ResourceFlags {
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
    onWarning: (message) => process.stderr.write(`minibox: WARNING: ${message}\n`),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
  });
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
