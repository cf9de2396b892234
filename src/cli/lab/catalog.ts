import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labCannotRun, parseStepsFile, type LabFile } from './steps-file.js';

/**
 * Where the labs are: examples/ of the checkout minibox runs from (found from this file's
 * own location, the bundle's or dist's, so `minibox lab` works from any directory), each
 * lab a folder NN-topic with a steps file.
 */

/** The checkout: the first directory above this module with examples/ and package.json. */
export function checkoutDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'examples')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw labCannotRun(`no examples/ folder above ${fileURLToPath(import.meta.url)}: minibox lab runs from a checkout of minibox`);
    dir = up;
  }
}

export function examplesDir(): string {
  return path.join(checkoutDir(), 'examples');
}

export interface FoundLab {
  name: string; // the folder's name: 03-cgroups
  dir: string;
  lab: LabFile;
}

/** The lab folders of examples/, in order. */
export function labNames(examples = examplesDir()): string[] {
  return readdirSync(examples)
    .filter((d) => /^[0-9][0-9]-/.test(d) && existsSync(path.join(examples, d, 'steps')))
    .sort();
}

export function readLab(dir: string): FoundLab {
  const file = path.join(dir, 'steps');
  return { name: path.basename(dir), dir, lab: parseStepsFile(readFileSync(file, 'utf8'), file) };
}

/** A lab by its folder (03-cgroups), number (3, 03), topic (cgroups), or the path of a folder with a steps file. */
export function findLab(want: string, examples = examplesDir()): FoundLab {
  if (want.includes('/') && existsSync(path.join(want, 'steps')) && statSync(want).isDirectory()) return readLab(path.resolve(want));
  const key = /^[0-9]+$/.test(want) ? String(Number(want)).padStart(2, '0') : want;
  const name = labNames(examples).find((d) => d === key || d.split('-')[0] === key || d.slice(d.indexOf('-') + 1) === key);
  if (!name) throw labCannotRun(`no lab '${want}' in ${examples} (minibox lab --list shows them)`);
  return readLab(path.join(examples, name));
}
