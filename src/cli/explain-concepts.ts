/**
 * `--explain=verbose`: one sentence on why each concept exists, printed under the first step
 * that uses it. Keys are the `concept` of a trace step (util/trace-events.ts; the shim's in
 * native-shim/src/common/trace.c); a concept without a row simply gets no sentence.
 */
export const CONCEPTS: Readonly<Record<string, string>> = {
  namespaces:
    'Namespaces give the new process its own view of one kind of kernel resource (process ids, mounts, network, host name, IPC, cgroups): this is what makes a container look like a machine of its own.',
  setns: 'setns(2) moves a process into namespaces that already exist, which is how exec enters a running container instead of creating a new one.',
  cgroups:
    'A control group is a directory in /sys/fs/cgroup whose files set limits (memory, CPU, number of processes) for every process inside it; writing a number to a file is all it takes.',
  'cgroup-join': 'Writing a pid to a cgroup\'s cgroup.procs (or "0" to tasks) moves that process, and everything it later forks, under the cgroup\'s limits.',
  overlay:
    'overlayfs stacks the image\'s read-only layers under one writable upper directory, so many containers share the same image files and each one only stores what it changes.',
  mounts: 'Inside its own mount namespace the container gets fresh /proc, /sys, /dev and friends that show its own processes and devices, not the host\'s.',
  'bind-mount': 'A bind mount makes an existing file or directory of the host visible at a second place, here inside the container (volumes, /etc/hosts, resolv.conf).',
  pivot_root:
    'pivot_root makes the container\'s root filesystem "/" for this mount namespace and detaches the host\'s, so no path inside can lead back out (a chroot could be escaped).',
  capabilities:
    'Linux splits root\'s power into about 40 capabilities; a container keeps only the 14 that Docker grants by default, so root inside is much weaker than root outside.',
  seccomp: 'A seccomp filter is a small BPF program the kernel runs on every system call, refusing the ones a container has no business making (kexec, mount of a new kernel module…).',
  rlimits: 'Resource limits (ulimit) cap what one process may use, like open files or processes per user; they are inherited by everything it starts.',
  user: 'The process drops from root to the image\'s USER (uid/gid from the container\'s own /etc/passwd) before running the program.',
  'user namespace':
    'A user namespace maps the container\'s root (uid 0) to an unprivileged uid of the host, so root inside owns nothing outside it (the OCI runtime uses one when the bundle asks).',
  execve: 'execve(2) replaces the shim\'s code with the container\'s program in the same process: same pid, same namespaces, same limits.',
  signals:
    'stop sends the container\'s init its stop signal (SIGTERM unless the image says otherwise) through a pidfd, so it can never hit a recycled pid; SIGKILL follows after the timeout.',
  veth: 'A veth pair is a virtual cable: one end stays on the host\'s bridge, the other becomes eth0 inside the container\'s network namespace.',
  bridge: 'The bridge is a virtual switch on the host that all containers of a network plug into, and their gateway to the outside.',
  dnat: 'Destination NAT in the kernel\'s firewall rewrites packets sent to a host port so they go to the container\'s address: that is what -p publishes.',
  firewall: 'minibox keeps its iptables rules in chains of its own (MINIBOX-*), applied in one all-or-nothing iptables-restore batch.',
  registry: 'A registry speaks the OCI distribution API over HTTP: /v2/<name>/manifests/<tag> names an image, /v2/<name>/blobs/<digest> holds its parts.',
  'registry-token': 'A registry that answers 401 names a token service; minibox asks it for a short-lived bearer token valid for this repository only.',
  'registry-manifest':
    'The manifest is the image\'s table of contents: its config and the list of layers, each named by the sha256 digest of its content, so nothing can be swapped unnoticed.',
  layers: 'Each layer is a tar archive of file changes, fetched by digest, checked, and unpacked once into a snapshot directory shared by every image that uses it.',
};
