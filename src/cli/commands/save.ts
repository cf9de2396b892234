import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';

/**
 * `minibox save [-o FILE] [--format docker|oci] IMAGE…`: Docker's archive (an OCI layout
 * with manifest.json, as Docker 25+ writes) or a plain OCI layout tar, to a file or to a
 * redirected stdout; a terminal is refused with Docker's words.
 */
export function defineSave(program: Command): void {
  program
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .option('--format <format>', 'Archive format: docker (docker save, also an OCI layout) or oci', 'docker')
    .action(saveCommand);
}

export async function saveCommand(images: string[], opts: { output?: string; format?: string }): Promise<void> {
  const { save, parseSaveFormat } = await import('../../engine/save.js');
  const format = parseSaveFormat(opts.format);
  if (opts.output === undefined && process.stdout.isTTY) {
    throw new MiniboxError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
  }
  try {
    await save({ images, format, ...(opts.output !== undefined ? { output: opts.output } : { stream: process.stdout }) });
  } catch (err) {
    // Docker's CLI exits 1 for a failed save, whatever went wrong
    if (err instanceof MiniboxError && err.exitCode !== 1) throw new MiniboxError(err.message, 1, { cause: err });
    throw err;
  }
}
