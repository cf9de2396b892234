import { MiniboxError } from '../../util/errors.js';
import { formatTable } from '../format/table.js';
import { connectContainer, createNetwork, disconnectContainer, inspectNetwork, listAllNetworks, portsOf, pruneNetworks, removeNetwork } from '../../engine/network-admin.js';

/** `minibox network …` and `minibox port`: printing only. */
export async function networkCreate(name: string, opts: { driver: string; subnet?: string }): Promise<void> {
  const def = await createNetwork(name, opts.driver, opts.subnet);
  process.stdout.write(`${def.id}\n`);
}

export async function networkLs(opts: { quiet: boolean }): Promise<void> {
  const rows = await listAllNetworks();
  if (opts.quiet) {
    process.stdout.write(rows.map((r) => `${r.id.slice(0, 12)}\n`).join(''));
    return;
  }
  process.stdout.write(formatTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], rows.map((r) => [r.id.slice(0, 12), r.name, r.driver, r.scope])));
}

export async function networkInspect(names: string[]): Promise<number> {
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
  await connectContainer(net, container, aliases);
}

export async function networkDisconnect(net: string, container: string): Promise<void> {
  await disconnectContainer(net, container);
}

export async function networkPrune(): Promise<void> {
  const removed = await pruneNetworks();
  if (removed.length > 0) process.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n}\n`).join('')}`);
}

/** `port web` → "80/tcp -> 0.0.0.0:8080"; `port web 80` → "0.0.0.0:8080". */
export async function portCommand(ref: string, priv?: string): Promise<number> {
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
