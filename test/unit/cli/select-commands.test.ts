import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { commandsFor } from '../../../src/cli/select-commands.js';

const defineRun = (p: Command): void => {
  p.command('run').option('-h, --hostname <name>').argument('<image>');
};
const definePs = (p: Command): void => {
  p.command('ps').option('-a, --all');
};
const defineImage = (p: Command): void => {
  const image = new Command('image');
  image.command('ls');
  p.addCommand(image);
};
// touches the program before naming a command: its name cannot be learnt
const defineOdd = (p: Command): void => {
  p.hook('preAction', () => undefined);
  p.command('odd');
};
const ALL = [defineRun, definePs, defineImage, defineOdd];
const argv = (...words: string[]): string[] => ['node', 'minibox', ...words];

describe('commandsFor', () => {
  it('builds the invoked command and those whose name is unknown', () => {
    expect(commandsFor(argv('run', '--rm', 'busybox', 'true'), ALL)).toEqual([defineRun, defineOdd]);
    expect(commandsFor(argv('ps', '-a'), ALL)).toEqual([definePs, defineOdd]);
  });

  it('learns the name of a command added with addCommand', () => {
    expect(commandsFor(argv('image', 'ls'), ALL)).toEqual([defineImage, defineOdd]);
  });

  it('builds every command for help, options first, no command or an unknown word', () => {
    for (const line of [argv(), argv('--help'), argv('-v'), argv('run', '-h', 'host', 'busybox'), argv('ps', '--help'), argv('help', 'run'), argv('nosuch'), argv('odd')]) {
      expect(commandsFor(line, ALL)).toBe(ALL);
    }
  });

  it('leaves the program it is given untouched while probing', () => {
    const program = new Command('minibox');
    for (const define of commandsFor(argv('ps'), ALL)) define(program);
    expect(program.commands.map((c) => c.name())).toEqual(['ps', 'odd']);
  });
});
