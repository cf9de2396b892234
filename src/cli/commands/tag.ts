import type { Command } from 'commander';

/** `minibox tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: silent on success, like Docker. */
export function defineTag(program: Command): void {
  program
    .command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action(tagCommand);
}

export async function tagCommand(source: string, target: string): Promise<void> {
  const { tagImage } = await import('../../engine/tag.js');
  await tagImage(source, target);
}
