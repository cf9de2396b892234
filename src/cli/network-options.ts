import type { Command } from 'commander';
import type { NetworkFlags } from '../engine/network.js';

/**
 * `run`'s network flags and the `network` / `port` commands, registered from here so the
 * networking CLI is one file (main.ts stays a table of commands). Handlers are loaded
 * with import() when they run.
 */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function networkOptions(cmd: Command): Command {
  return cmd
    .option('--network <network>', 'Connect a container to a network (bridge, host, none or a network name)')
    .option('--net <network>', 'Alias of --network')
    .option('-p, --publish <list>', 'Publish a container\'s port(s) to the host', collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports', false)
    .option('--link <list>', 'Add link to another container', collect, [])
    .option('--dns <list>', 'Set custom DNS servers', collect, [])
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect, []);
}

export interface NetworkOptionValues {
  network?: string;
  net?: string;
  publish?: string[];
  publishAll?: boolean;
  link?: string[];
  dns?: string[];
  addHost?: string[];
  networkAlias?: string[];
}

export function networkFlags(o: NetworkOptionValues): NetworkFlags {
  const network = o.network ?? o.net;
  return {
    ...(network !== undefined ? { network } : {}),
    publish: o.publish ?? [],
    publishAll: o.publishAll === true,
    links: o.link ?? [],
    dns: o.dns ?? [],
    addHosts: o.addHost ?? [],
    aliases: o.networkAlias ?? [],
  };
}

export function registerNetworkCommands(program: Command): void {
  program
    .command('port')
    .description('List port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[private_port]', 'PRIVATE_PORT[/PROTO]')
    .action(async (ref: string, priv: string | undefined) => {
      const { portCommand } = await import('./commands/network.js');
      process.exitCode = await portCommand(ref, priv);
    });
  const net = program.command('network').description('Manage networks');
  net
    .command('create')
    .description('Create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <subnet>', 'Subnet in CIDR format that represents a network segment')
    .action(async (name: string, opts: { driver: string; subnet?: string }) => (await import('./commands/network.js')).networkCreate(name, opts));
  net
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'Only display network IDs', false)
    .action(async (opts: { quiet: boolean }) => (await import('./commands/network.js')).networkLs(opts));
  net
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<network...>')
    .action(async (names: string[]) => {
      process.exitCode = await (await import('./commands/network.js')).networkInspect(names);
    });
  net
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<network...>')
    .action(async (names: string[]) => {
      process.exitCode = await (await import('./commands/network.js')).networkRm(names);
    });
  net
    .command('connect')
    .description('Connect a container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <list>', 'Add network-scoped alias for the container', collect, [])
    .action(async (n: string, c: string, opts: { alias: string[] }) => (await import('./commands/network.js')).networkConnect(n, c, opts.alias));
  net
    .command('disconnect')
    .description('Disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .action(async (n: string, c: string) => (await import('./commands/network.js')).networkDisconnect(n, c));
  net
    .command('prune')
    .description('Remove all unused networks (and the default bridge and firewall chains when idle)')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(async () => (await import('./commands/network.js')).networkPrune());
}
