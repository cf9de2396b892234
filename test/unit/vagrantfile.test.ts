import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/minibox.js';

/**
 * The Mac VM (Vagrantfile), checked without Vagrant or VirtualBox: it parses (`ruby -c`),
 * and evaluated by Ruby against a stand-in for Vagrant's configuration object it picks the
 * arm64 box on Apple Silicon and the amd64 one on Intel, forwards the lecture's port 4407
 * to the Mac's 127.0.0.1, and provisions with the README's own set-up command, as root.
 * Also: the lock file gives an arm64 VM's `npm ci` ffi-rs's linux-arm64 binding.
 */
const VAGRANTFILE = path.join(REPO, 'Vagrantfile');

// Records every call on `config` (config.vm.box = …, config.vm.network …, blocks included)
// as JSON lines; `Vagrant.configure` yields the recorder, then the Vagrantfile is loaded.
const RECORDER = String.raw`
require "json"
class Rec
  def initialize(path, log) @path = path; @log = log end
  def respond_to_missing?(*) true end
  def method_missing(name, *args, **kw, &blk)
    plain = ->(v) { v.is_a?(Symbol) ? v.to_s : v }
    @log << { "call" => (@path + [name.to_s]).join("."), "args" => args.map(&plain), "kw" => kw.to_h { |k, v| [k.to_s, plain.(v)] } }
    blk.call(Rec.new(@path + [name.to_s], @log)) if blk
    Rec.new(@path + [name.to_s], @log)
  end
end
LOG = []
# a macOS host, faked: Ruby's host_os/host_cpu and what sysctl hw.optional.arm64 prints
if ENV["FAKE_HOST_OS"]
  RbConfig::CONFIG["host_os"] = ENV.fetch("FAKE_HOST_OS")
  RbConfig::CONFIG["host_cpu"] = ENV.fetch("FAKE_HOST_CPU")
  Object.send(:define_method, 96.chr.to_sym) do |cmd|
    raise "unexpected command #{cmd}" unless cmd.include?("sysctl -n hw.optional.arm64")
    ENV.fetch("FAKE_SYSCTL_ARM64")
  end
end
module Vagrant
  def self.require_version(*) end
  def self.configure(_version) yield Rec.new([], LOG) end
end
load ARGV.fetch(0)
puts JSON.generate(LOG)
`;

interface Call {
  call: string;
  args: unknown[];
  kw: Record<string, unknown>;
}

function ruby(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('ruby', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw new Error(`ruby: ${r.error.message} (installed by MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh)`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function evaluate(env: Record<string, string> = {}): Call[] {
  const r = ruby(['-e', RECORDER, VAGRANTFILE], env);
  if (r.code !== 0) throw new Error(`evaluating the Vagrantfile failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Call[];
}

const assigned = (calls: Call[], name: string): unknown => calls.find((c) => c.call === `vm.${name}=`)?.args[0];

/** The README's set-up command: the first command of its first `sh` block. */
function readmeSetupCommand(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const block = /```sh\n([^`]+)```/.exec(readme)?.[1];
  const first = block?.trim().split(/\s*&&\s*/)[0];
  if (!first) throw new Error('README.md has no ```sh block with the set-up command');
  return first;
}

describe('the Mac VM (Vagrantfile)', () => {
  it('parses (ruby -c)', () => {
    const r = ruby(['-c', VAGRANTFILE]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('Syntax OK');
  });

  it('picks the arm64 box on Apple Silicon, the amd64 one on Intel, the host\'s by default', () => {
    const arm = evaluate({ MINIBOX_VM_ARCH: 'arm64' });
    const intel = evaluate({ MINIBOX_VM_ARCH: 'amd64' });
    expect(assigned(arm, 'box')).toBe('bento/debian-12');
    expect(assigned(intel, 'box')).toBe('bento/debian-12');
    expect(assigned(arm, 'box_architecture')).toBe('arm64');
    expect(assigned(intel, 'box_architecture')).toBe('amd64');
    // this Linux host's own CPU when nothing forces it
    const here = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const env = { ...process.env };
    delete env.MINIBOX_VM_ARCH;
    const r = spawnSync('ruby', ['-e', RECORDER, VAGRANTFILE], { encoding: 'utf8', env });
    expect(assigned(JSON.parse(r.stdout) as Call[], 'box_architecture')).toBe(here);
    // Macs: Apple Silicon, also with Vagrant's Ruby translated by Rosetta (host_cpu x86_64);
    // an Intel Mac has no hw.optional.arm64 (sysctl prints nothing)
    const mac = (cpu: string, sysctl: string) =>
      assigned(evaluate({ FAKE_HOST_OS: 'darwin23', FAKE_HOST_CPU: cpu, FAKE_SYSCTL_ARM64: sysctl }), 'box_architecture');
    expect(mac('arm64', '1\n')).toBe('arm64');
    expect(mac('x86_64', '1\n')).toBe('arm64');
    expect(mac('x86_64', '')).toBe('amd64');
    const bad = ruby(['-e', RECORDER, VAGRANTFILE], { MINIBOX_VM_ARCH: 'x86' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('MINIBOX_VM_ARCH must be arm64 or amd64');
  });

  it("forwards the guest's port 4407 to the Mac's 127.0.0.1:4407", () => {
    const ports = evaluate().filter((c) => c.call === 'vm.network' && c.args[0] === 'forwarded_port');
    expect(ports.map((p) => p.kw)).toContainEqual({ guest: 4407, host: 4407, host_ip: '127.0.0.1' });
  });

  it("provisions as root with the README's set-up command, in the VM's copy of the checkout", () => {
    const provisions = evaluate().filter((c) => c.call === 'vm.provision');
    expect(provisions).toHaveLength(1);
    const p = provisions[0]!;
    expect(p.args[0]).toBe('shell');
    expect(p.kw.privileged).toBe(true);
    const script = String(p.kw.inline);
    const setup = readmeSetupCommand();
    expect(setup).toBe('./scripts/setup.sh');
    const run = script.split('\n').map((l) => /^\s*cd (\S+) && (.+?)\s*$/.exec(l)).find((m) => m?.[2] === setup);
    expect(run, `no line 'cd DIR && ${setup}' in the provisioning script:\n${script}`).toBeTruthy();
    // DIR is where the shared checkout is copied to, and that copy comes before the set-up
    const copy = new RegExp(`rsync [^\\n]*/minibox/ ${run![1]}/\\n`);
    expect(script.replace(/\\\n\s*/g, '')).toMatch(copy);
    expect(script.indexOf('rsync -a')).toBeLessThan(script.indexOf(run![0]!.trim()));
    // Node >= 20 is there before setup.sh checks for it
    expect(script.indexOf('process.versions.node')).toBeLessThan(script.indexOf(run![0]!.trim()));
    const shared = evaluate().find((c) => c.call === 'vm.synced_folder' && c.args[1] === '/minibox');
    expect(shared?.args[0]).toBe('.');
    // the script is valid shell
    expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
  });
});

describe("an arm64 VM's npm ci", () => {
  it("installs ffi-rs's linux-arm64 binding: the lock lists it for arm64 glibc, at ffi-rs's version", () => {
    const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; cpu?: string[]; os?: string[]; libc?: string[] }>;
    };
    const ffi = lock.packages['node_modules/ffi-rs'];
    const arm = lock.packages['node_modules/@yuuang/ffi-rs-linux-arm64-gnu'];
    expect(ffi?.optionalDependencies?.['@yuuang/ffi-rs-linux-arm64-gnu']).toBe(ffi?.version);
    expect(arm).toMatchObject({ version: ffi?.version, cpu: ['arm64'], os: ['linux'] });
    expect(arm?.libc ?? ['glibc']).toContain('glibc');
  });
});
