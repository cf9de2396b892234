import { randomInt } from 'node:crypto';
import { MiniboxError } from '../util/errors.js';

/** Container names as Docker allows them, and Docker-style generated ones (adjective_scientist). */
const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new MiniboxError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, '');
}

const ADJECTIVES = [
  'admiring', 'bold', 'brave', 'clever', 'eager', 'elegant', 'festive', 'focused', 'gallant', 'happy',
  'jolly', 'keen', 'kind', 'loving', 'modest', 'nifty', 'peaceful', 'quirky', 'serene', 'sharp',
  'stoic', 'tender', 'vibrant', 'wizardly', 'zealous',
];
const SURNAMES = [
  'babbage', 'curie', 'darwin', 'dijkstra', 'einstein', 'feynman', 'hopper', 'hypatia', 'kepler', 'knuth',
  'lamport', 'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing',
  'wozniak', 'yalow', 'zhukovsky', 'goldberg', 'liskov',
];

export function generateName(taken: ReadonlySet<string>): string {
  for (let i = 0; ; i++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    const candidate = i < 10 ? name : `${name}${randomInt(10)}`;
    if (!taken.has(candidate)) return candidate;
  }
}
