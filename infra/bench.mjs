// `npm run bench [-- NAME…]`: runs every built benchmark (`*/dist/bench/NAME.bench.js`), or the named ones.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const wanted = process.argv.slice(2);
const benches = ['libs', 'services']
  .flatMap((top) => readdirSync(top).map((pkg) => join(top, pkg, 'dist', 'bench')))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.bench.js'))
      .map((f) => join(dir, f)),
  )
  .filter(
    (file) => wanted.length === 0 || wanted.some((name) => file.endsWith(`${name}.bench.js`)),
  );

if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const { status } = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
