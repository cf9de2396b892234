import { addJump, bridgeRules, CHAINS, deletion, fixedRulesOf, JUMPS, namesBridge, type Table } from './firewall-rules.js';

/**
 * The iptables-restore batches (per table, command lines) that set up and tear down
 * minibox's firewall (rules in firewall-rules.ts). Pure, so unit tests check the exact
 * lines. Two forms each: the "fresh" one, right when the ruleset is as minibox expects (one
 * spawn, no iptables-save), and the one computed from the saved ruleset when it is not.
 */
export type Batch = Record<Table, string[]>;
export type SavedRules = Map<string, string[]>; // table -> ':CHAIN ...' and '-A ...' lines

const hasChain = (lines: string[], chain: string) => lines.some((l) => l.startsWith(`:${chain} `));
const TABLES: Table[] = ['nat', 'filter'];

/** No chain of ours yet: every chain, its fixed rules, the jumps, the bridge's rules. */
export function freshSetup(bridge: string, subnet: string, routerGuard: boolean): Batch {
  const rules = bridgeRules(bridge, subnet);
  const out = { nat: [] as string[], filter: [] as string[] };
  for (const t of TABLES) {
    out[t].push(...CHAINS[t].map((c) => `-N ${c}`));
    out[t].push(...CHAINS[t].flatMap((c) => fixedRulesOf(c, routerGuard)));
    out[t].push(...JUMPS[t].map(addJump), ...rules[t]);
  }
  return out;
}

/**
 * Against the saved ruleset: a missing chain with its fixed rules (a chain that exists keeps
 * what it has: its fixed rules must stay first), missing jumps, the bridge's missing rules.
 */
export function setupFromSaved(saved: SavedRules, bridge: string, subnet: string, routerGuard: boolean): Batch {
  const rules = bridgeRules(bridge, subnet);
  const out = { nat: [] as string[], filter: [] as string[] };
  for (const t of TABLES) {
    const have = saved.get(t) ?? [];
    for (const c of CHAINS[t].filter((x) => !hasChain(have, x))) out[t].push(`-N ${c}`, ...fixedRulesOf(c, routerGuard));
    out[t].push(...JUMPS[t].filter((j) => !have.includes(j)).map(addJump));
    out[t].push(...rules[t].filter((r) => !have.includes(r)));
  }
  return out;
}

const ALL_CHAINS = [...CHAINS.nat, ...CHAINS.filter];

/** The last network, ruleset as expected: the jumps go, and our chains with all in them. */
export function freshTeardown(): Batch {
  const out = { nat: [] as string[], filter: [] as string[] };
  // every chain flushed before any is deleted: a chain still jumped to cannot go
  for (const t of TABLES) out[t] = [...JUMPS[t].map(deletion), ...CHAINS[t].map((c) => `-F ${c}`), ...CHAINS[t].map((c) => `-X ${c}`)];
  return out;
}

/** Against the saved ruleset: these bridges' rules; with lastNetwork every jump and chain of ours. */
export function teardownFromSaved(saved: SavedRules, bridges: string[], lastNetwork: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const inOurs = (l: string) => ALL_CHAINS.some((c) => l.startsWith(`-A ${c} `));
  for (const [table, lines] of saved) {
    const rules = lines.filter((l) => l.startsWith('-A '));
    if (!lastNetwork) {
      out[table] = rules.filter((l) => inOurs(l) && namesBridge(l, bridges)).map(deletion);
      continue;
    }
    const jumps = rules.filter((l) => !inOurs(l) && ALL_CHAINS.some((c) => l.endsWith(`-j ${c}`)));
    const present = ALL_CHAINS.filter((c) => hasChain(lines, c));
    out[table] = [...jumps.map(deletion), ...present.map((c) => `-F ${c}`), ...present.map((c) => `-X ${c}`)];
  }
  return out;
}
