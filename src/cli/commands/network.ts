import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';
import { collect } from '../options.js';

/** `minibox network …` and `minibox port`: printing only; the engine is loaded when they run. */
const engine = () => import('../../engine/network-admin.js');

export function definePort(program: Command): void {
  program
    .command('port')
    .description('List port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[private_port]', 'PRIVATE_PORT[/PROTO]')
    .action(async (ref: string, priv: string | undefined) => {
      process.exitCode = await portCommand(ref, priv);
    });
}

export function defineNetwork(program: Command): void {
  const net = program.command('network').description('Manage networks');
  net
    .command('create')
    .description('Create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <subnet>', 'Subnet in CIDR format that represents a network segment')
    .action(networkCreate);
  net
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect, [])
    .option('--format <format>', 'Format output using a custom template (table, table TEMPLATE, json, TEMPLATE)')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs', false)
    .action(networkLs);
  net
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<network...>')
    .action(async (names: string[]) => {
      process.exitCode = await networkInspect(names);
    });
  net
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<network...>')
    .action(async (names: string[]) => {
      process.exitCode = await networkRm(names);
    });
  net
    .command('connect')
    .description('Connect a container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <list>', 'Add network-scoped alias for the container', collect, [])
    .action((n: string, c: string, opts: { alias: string[] }) => networkConnect(n, c, opts.alias));
  net
    .command('disconnect')
    .description('Disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .action(networkDisconnect);
  net
    .command('prune')
    .description('Remove all unused networks (and the default bridge and firewall chains when idle)')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(() => networkPrune());
}

export async function networkCreate(name: string, opts: { driver: string; subnet?: string }): Promise<void> {
  const { createNetwork } = await engine();
  const def = await createNetwork(name, opts.driver, opts.subnet);
  process.stdout.write(`${def.id}\n`);
}

export interface NetworkLsOptions {
  quiet: boolean;
  filter?: string[];
  format?: string;
  trunc?: boolean;
}

/** Docker's network formatter: the header of each `--format` field. */
const LS_HEADERS: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

export async function networkLs(opts: NetworkLsOptions): Promise<void> {
  const { listAllNetworks } = await engine();
  const { formatTable } = await import('../format/table.js');
  const { renderTemplate, splitTable, checkTemplate } = await import('../format/template.js');
  const format = opts.format === 'json' ? '{{json .}}' : opts.format === 'table' ? undefined : opts.format;
  if (format !== undefined && !opts.quiet) checkTemplate(format.replace(/^table\s+/, ''));
  const rows = await listAllNetworks(undefined, opts.filter ?? []);
  const id = (full: string) => (opts.trunc === false ? full : full.slice(0, 12));
  if (opts.quiet) {
    process.stdout.write(rows.map((r) => `${id(r.id)}\n`).join(''));
    return;
  }
  if (format !== undefined) {
    const { header, row } = splitTable(format, LS_HEADERS);
    const views = rows.map((r) => ({
      ID: id(r.id),
      Name: r.name,
      Driver: r.driver,
      Scope: r.scope,
      IPv6: 'false',
      Internal: 'false',
      Labels: Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(','),
      CreatedAt: r.created,
    }));
    const lines = views.map((v) => renderTemplate(row, v));
    if (header === undefined) process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    else process.stdout.write(formatTable(header.split('\t'), lines.map((l) => l.split('\t'))));
    return;
  }
  process.stdout.write(formatTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], rows.map((r) => [id(r.id), r.name, r.driver, r.scope])));
}

export async function networkInspect(names: string[]): Promise<number> {
  const { inspectNetwork } = await engine();
  const out: unknown[] = [];
  let code = 0;
  for (const n of names) {
    try {
      out.push(await inspectNetwork(n));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`Error response from daemon: network ${n} not found\n`);
      code = 1;
    }
  }
  process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return code;
}

export async function networkRm(names: string[]): Promise<number> {
  const { removeNetwork } = await engine();
  let code = 0;
  for (const n of names) {
    try {
      await removeNetwork(n);
      process.stdout.write(`${n}\n`);
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`Error response from daemon: ${err.message}\n`);
      code = 1;
    }
  }
  return code;
}

export async function networkConnect(net: string, container: string, aliases: string[]): Promise<void> {
  const { connectContainer } = await engine();
  await connectContainer(net, container, aliases);
}

export async function networkDisconnect(net: string, container: string): Promise<void> {
  const { disconnectContainer } = await engine();
  await disconnectContainer(net, container);
}

export async function networkPrune(): Promise<void> {
  const { pruneNetworks } = await engine();
  const removed = await pruneNetworks();
  if (removed.length > 0) process.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n}\n`).join('')}`);
}

/** `port web` → "80/tcp -> 0.0.0.0:8080"; `port web 80` → "0.0.0.0:8080". */
export async function portCommand(ref: string, priv?: string): Promise<number> {
  const { portsOf } = await engine();
  const { name, ports } = await portsOf(ref);
  if (priv === undefined) {
    process.stdout.write(ports.map((b) => `${b.containerPort}/${b.proto} -> ${b.hostIp}:${b.hostPort}\n`).join(''));
    return 0;
  }
  const [port = '', proto = 'tcp'] = priv.split('/');
  const hits = ports.filter((b) => String(b.containerPort) === port && b.proto === proto);
  if (hits.length === 0) throw new MiniboxError(`No public port '${port}/${proto}' published for ${name}`, 1);
  process.stdout.write(hits.map((b) => `${b.hostIp}:${b.hostPort}\n`).join(''));
  return 0;
}
