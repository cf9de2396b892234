import { ENGINES, fieldOf, ownField, scriptOf, type LabFile } from './steps-file.js';
import { renderFor } from './text-layout.js';

/**
 * A lab's README.md, rendered from its steps file (`minibox lab NN --readme`; a test checks
 * that each lab's README matches): the commands as a student types them with minibox, each
 * step's why and what to look at, and what the other engines do differently.
 */
export function renderReadme(lab: LabFile, name: string): string {
  const out: string[] = [];
  const para = (text: string) => out.push(`${text}\n\n`);
  const mb = (text: string) => renderFor(text, 'minibox', lab.port);
  out.push(`# ${lab.title}\n\n`);
  for (const p of lab.about) if (p !== '') para(p);
  out.push(`Run it as root from the checkout: \`examples/run-lab.sh ${name}\` (add \`--compare podman\` or\n`);
  out.push('`--compare docker` to run every step with that engine too, side by side).\n\n');
  for (const need of lab.needs) {
    const [what, ...why] = need.split(' ');
    para(`Needs \`${what}\`: ${why.length ? why.join(' ') : need}`);
  }
  const all = lab.steps.map(scriptOf).join('\n');
  const vars: string[] = [];
  if (all.includes('$WORK')) vars.push('`$WORK` is a scratch directory of your own (`WORK=$(mktemp -d)`).');
  if (all.includes('$ME')) vars.push("`$ME` is your name on the registry (the lab uses the engine's name: `minibox`).");
  if (all.includes('$LAB_REGISTRY')) vars.push('`$LAB_REGISTRY` is the registry to push to, as `host:port`.');
  if (vars.length) para(`In the commands, ${vars.join(' ')}`);
  for (const step of lab.steps) {
    para(`## ${step.n}. ${step.title}`);
    const why = fieldOf(step, 'why', 'minibox');
    if (why) para(mb(why));
    para(`\`\`\`sh\n${mb(scriptOf(step))}\n\`\`\``);
    const look = fieldOf(step, 'look', 'minibox');
    if (look) para(`Look at: ${mb(look)}`);
    const note = ownField(step, 'note', '');
    if (note) para(`Other engines: ${note}`);
    for (const e of ENGINES) {
      const [n, s, b] = [ownField(step, 'note', e), ownField(step, 'skip', e), ownField(step, 'bug', e)];
      if (n) para(`With ${e}: ${n}`);
      if (s) para(`Not run with ${e}: ${s}`);
      if (b) para(`**Known ${e} bug**: ${b}`);
    }
  }
  out.push(`---\nRendered from \`steps\` by \`examples/run-lab.sh ${name} --readme\`; edit \`steps\`, not this file.\n`);
  return out.join('');
}
