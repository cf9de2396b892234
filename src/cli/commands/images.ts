import type { Command } from 'commander';
import type { ImageListRow } from '../../engine/images.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { collect } from '../options.js';

/** `minibox load`, `minibox images`, `minibox rmi`: Docker's output, line for line. */
const engine = () => import('../../engine/images.js');

export function defineLoad(program: Command): void {
  program
    .command('load')
    .description('Load an image from a tar archive or an OCI image layout')
    .requiredOption('-i, --input <path>', 'Read from tar archive file or OCI layout directory')
    .option('-q, --quiet', 'Suppress the load output', false)
    .action(loadCommand);
}

export function defineImages(program: Command): void {
  program
    .command('images')
    .description('List images')
    .argument('[repository[:tag]]', 'only the images of this name (wildcards as in Docker: my*)')
    .option('-a, --all', 'Show all images (default hides intermediate images)', false)
    .option('--digests', 'Show digests', false)
    .option('-f, --filter <filter>', 'Filter output based on conditions provided (dangling, reference, before, since, label)', collect, [])
    .option('--format <format>', 'Format output using a custom template (table, table TEMPLATE, json, TEMPLATE)')
    .option('-q, --quiet', 'Only show image IDs', false)
    .option('--no-trunc', "Don't truncate output")
    .action(imagesCommand);
}

export function defineRmi(program: Command): void {
  program
    .command('rmi')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image', false)
    .action(async (images: string[], opts: { force?: boolean }) => {
      process.exitCode = await rmiCommand(images, opts);
    });
}

export async function loadCommand(opts: { input: string; quiet?: boolean }): Promise<void> {
  const { loadImage } = await engine();
  const { familiarName } = await import('../../engine/image-names.js');
  const results = await loadImage(opts.input);
  let out = '';
  for (const r of results) {
    for (const { ref, previousId } of r.replaced) {
      out += `The image ${familiarName(ref)} already exists, renaming the old one with ID ${previousId} to empty string\n`;
    }
    if (r.names.length === 0) out += `Loaded image ID: ${r.imageId}\n`;
    for (const ref of r.names) out += `Loaded image: ${familiarName(ref)}\n`;
  }
  // Docker's -q only silences progress bars, which minibox has none of: the result lines stay.
  process.stdout.write(out);
}

export interface ImagesOptions {
  quiet?: boolean;
  trunc?: boolean;
  all?: boolean;
  digests?: boolean;
  filter?: string[];
  format?: string;
}

export async function imagesCommand(reference: string | undefined, opts: ImagesOptions): Promise<void> {
  const { listImageRows } = await engine();
  const { formatImageIds, formatImagesTable } = await import('../format/images.js');
  // `table` alone is the default table; `json` is Docker's one object a line
  const format = opts.format === 'json' ? '{{json .}}' : opts.format === 'table' ? undefined : opts.format;
  const { checkTemplate } = await import('../format/template.js');
  if (format !== undefined && !opts.quiet) checkTemplate(format.replace(/^table\s+/, ''));
  const wantsDigest = opts.digests === true || (format?.includes('Digest') ?? false) || format === '{{json .}}';
  const rows = await listImageRows(undefined, reference, { all: opts.all === true, filters: opts.filter ?? [], digests: wantsDigest });
  const noTrunc = opts.trunc === false; // commander turns --no-trunc into trunc: false
  if (opts.quiet) process.stdout.write(formatImageIds(rows, { noTrunc }));
  else if (format !== undefined) process.stdout.write(await formatImagesTemplate(rows, format, noTrunc));
  else process.stdout.write(formatImagesTable(rows, { noTrunc, now: Date.now(), digests: opts.digests === true }));
}

async function formatImagesTemplate(rows: ImageListRow[], format: string, noTrunc: boolean): Promise<string> {
  const { imageFormatView, IMAGE_HEADERS } = await import('../format/images.js');
  const { renderTemplate, splitTable } = await import('../format/template.js');
  const { formatTable } = await import('../format/table.js');
  const { header, row } = splitTable(format, IMAGE_HEADERS);
  const now = Date.now();
  const lines = rows.map((r) => renderTemplate(row, imageFormatView(r, { noTrunc, now })));
  if (header === undefined) return lines.map((l) => `${l}\n`).join('');
  return formatTable(header.split('\t'), lines.map((l) => l.split('\t')), { minWidth: 10 });
}

/** Like docker rmi: every image is tried; failures are reported and make the exit code 1. */
export async function rmiCommand(images: string[], opts: { force?: boolean }): Promise<number> {
  const { removeImageByName } = await engine();
  let code = 0;
  for (const image of images) {
    try {
      const lines = await removeImageByName(image, opts.force === true);
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`minibox: ${describe(err)}\n`);
      code = Math.max(code, err.exitCode === 125 ? 1 : err.exitCode);
    }
  }
  return code;
}
