/** A prune's question, Docker's way: the warning, "Are you sure you want to continue? [y/N] ", then y or yes. */
export async function confirm(warning: string): Promise<boolean> {
  process.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  return /^y(es)?$/i.test((await readLine()).trim());
}

/** One line from stdin ('' at EOF). */
function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const onData = (d: Buffer) => {
      data += d.toString();
      if (data.includes('\n')) done();
    };
    const done = () => {
      process.stdin.off('data', onData);
      process.stdin.pause();
      resolve(data.split('\n')[0] ?? '');
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', done);
  });
}
