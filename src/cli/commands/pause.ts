import type { Command } from 'commander';
import { eachContainer } from './lifecycle.js';

/** `pause` and `unpause`: each container in turn, its name printed as given, exit 1 if any failed (Docker's CLI). */
export function definePause(program: Command): void {
  program
    .command('pause')
    .description('Pause all processes within one or more containers')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const { pauseContainer } = await import('../../engine/pause.js');
      process.exitCode = await eachContainer(refs, (ref) => pauseContainer(ref));
    });
}

export function defineUnpause(program: Command): void {
  program
    .command('unpause')
    .description('Unpause all processes within one or more containers')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const { unpauseContainer } = await import('../../engine/pause.js');
      process.exitCode = await eachContainer(refs, (ref) => unpauseContainer(ref));
    });
}
