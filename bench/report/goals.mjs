// The goals the benchmark report judges each case against: issue #18's table, as upper
// bounds on minibox ÷ reference time (or on a value). A case without a goal here is shown
// for information (its issue asked for the comparison, not for a figure).
export const GOALS = {
  'run-none-vs-runc': { max: 2.0, text: '≤ 2.0× runc' },
  'run-none-vs-podman': { max: 0.4, text: '≤ 0.4× podman' },
  'run-bridge-vs-podman': { max: 0.35, text: '≤ 0.35× podman' },
  'extract-vs-tar-xzf': { max: 1 / 2.5, text: '≥ 2.5× faster than tar -xzf' },
  'extract-rss': { max: 100, text: '< 100 MiB' },
  'load-vs-tar-xzf': { max: 1 / 2, text: '≥ 2× faster than tar -xzf' },
  'pull-vs-skopeo-umoci': { max: 1 / 3, text: '≥ 3× faster than skopeo + umoci' },
  'monitor-rss': { max: 1024, text: '≤ 1 MiB per container' },
  // cost per container must stay linear: at the largest N no more than 1.5× its cost at N=10
  'scale-start-linearity': { max: 1.5, text: 'per-container cost at N=max ≤ 1.5× at N=10' },
  'scale-rm-linearity': { max: 1.5, text: 'per-container cost at N=max ≤ 1.5× at N=10' },
};
