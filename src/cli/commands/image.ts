import type { Command } from 'commander';
import { MiniboxError, describe } from '../../util/errors.js';
import { collect } from '../options.js';
import { confirm } from '../prompt.js';
import { pushCommand } from './push.js';
import { saveCommand } from './save.js';
import { tagCommand } from './tag.js';
import { defineLoad, imagesCommand, rmiCommand } from './images.js';
import { definePull } from './pull.js';

/**
 * `minibox image inspect|prune`, and Docker's long forms of the top-level image commands
 * (`image ls|rm|pull|load|tag|push|save`), printed as Docker prints them.
 */
export function defineImage(program: Command): void {
  const image = program.command('image').description('Manage images');
  image
    .command('inspect')
    .description('Display detailed information on one or more images')
    .argument('<image...>')
    .option('-f, --format <template>', 'Format output using a Go-template-like string ({{.Id}} {{.Config.Cmd}} ...)')
    .action(async (images: string[], opts: { format?: string }) => {
      process.exitCode = await imageInspectCommand(images, opts);
    });
  image
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones', false)
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect, [])
    .action(imagePruneCommand);
  image
    .command('ls')
    .description('List images')
    .argument('[repository[:tag]]', 'only the images of this name (wildcards as in Docker: my*)')
    .option('-q, --quiet', 'Only show image IDs', false)
    .option('--no-trunc', "Don't truncate output")
    .action(imagesCommand);
  image
    .command('rm')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image', false)
    .action(async (images: string[], opts: { force?: boolean }) => {
      process.exitCode = await rmiCommand(images, opts);
    });
  definePull(image);
  defineLoad(image);
  image.command('tag').description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE').argument('<source>').argument('<target>').action(tagCommand);
  image
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>')
    .option('-a, --all-tags', 'Push all tags of an image to the repository', false)
    .option('-q, --quiet', 'Suppress verbose output', false)
    .action(pushCommand);
  image
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .option('--format <format>', 'Archive format: docker or oci', 'docker')
    .action(saveCommand);
}

/** Like docker image inspect: the found images as one JSON array (or the template per image); misses on stderr, exit 1. */
export async function imageInspectCommand(images: string[], opts: { format?: string }): Promise<number> {
  const { inspectImage } = await import('../../engine/image-inspect.js');
  const views: unknown[] = [];
  let code = 0;
  for (const image of images) {
    try {
      views.push(await inspectImage(image));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`Error: ${describe(err)}\n`);
      code = 1;
    }
  }
  const { formatInspect } = await import('../format/inspect.js');
  process.stdout.write(formatInspect(views, opts.format));
  return code;
}

export async function imagePruneCommand(opts: { all: boolean; force: boolean; filter: string[] }): Promise<void> {
  const { pruneImages, parsePruneFilters } = await import('../../engine/image-prune.js');
  parsePruneFilters(opts.filter); // a bad filter fails before the question
  if (!opts.force) {
    const warning = opts.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
    if (!(await confirm(warning))) return;
  }
  const { lines, reclaimed } = await pruneImages(opts.all, opts.filter);
  const { formatPruneReport } = await import('../format/prune.js');
  process.stdout.write(formatPruneReport([['Deleted Images', lines]], reclaimed));
}
