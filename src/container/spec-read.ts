import { promises as fs } from 'node:fs';
import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { expectObject, optStringArray } from '../util/json.js';

/** The container's argv from its config.json (for `ps`'s COMMAND column). */
export async function readCommand(id: string): Promise<string[]> {
  try {
    const spec = expectObject(JSON.parse(await fs.readFile(path.join(statePaths().containers, id, 'config.json'), 'utf8')), 'config.json');
    return optStringArray(expectObject(spec.process, 'config.json process'), 'args', 'config.json process') ?? [];
  } catch {
    return [];
  }
}
