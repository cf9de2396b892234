import { MiniboxError, describe } from '../../util/errors.js';
import { listImageRows, loadImage, removeImageByName } from '../../engine/images.js';
import { familiarName } from '../../image/reference.js';
import { formatImageIds, formatImagesTable } from '../../image/format.js';

/** `minibox load`, `minibox images`, `minibox rmi`: Docker's output, line for line. */

export async function loadCommand(opts: { input: string; quiet?: boolean }): Promise<void> {
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

export async function imagesCommand(opts: { quiet?: boolean; trunc?: boolean }): Promise<void> {
  const rows = await listImageRows();
  const noTrunc = opts.trunc === false; // commander turns --no-trunc into trunc: false
  process.stdout.write(opts.quiet ? formatImageIds(rows, { noTrunc }) : formatImagesTable(rows, { noTrunc, now: Date.now() }));
}

/** Like docker rmi: every image is tried; failures are reported and make the exit code 1. */
export async function rmiCommand(images: string[], opts: { force?: boolean }): Promise<number> {
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
