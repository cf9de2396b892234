import { pull } from '../../engine/pull.js';
import { rendererFor } from '../progress/renderer.js';

/** `minibox pull [-q] [--platform os/arch] IMAGE`: Docker's progress, then the full name. */
export async function pullCommand(image: string, opts: { quiet?: boolean; platform?: string }): Promise<void> {
  const renderer = rendererFor(process.stdout, opts.quiet === true);
  try {
    const result = await pull({ image, ...(opts.platform ? { platform: opts.platform } : {}), onEvent: (e) => renderer.onEvent(e) });
    renderer.close();
    process.stdout.write(`${result.name}\n`);
  } finally {
    renderer.close();
  }
}
