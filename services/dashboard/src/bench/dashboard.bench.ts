// `npm run bench -- dashboard`: what a browser downloads on the first load of the dashboard
// (index.html and every file it names), gzipped as the api sends it, against the budget.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 200 * 1024;
const web = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

const index = readFileSync(join(web, 'index.html'), 'utf8');
// Same-origin files the page names; anything else would be fetched from the internet.
const named = [...index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
const remote = named.filter((url) => /^(https?:)?\/\//.test(url));
const local = named.filter((url) => url.startsWith('/'));

const rows = [
  {
    file: '/index.html',
    raw: Buffer.byteLength(index),
    gzip: gzipSync(index, { level: 9 }).length,
  },
  ...local.map((url) => {
    const body = readFileSync(join(web, url));
    return { file: url, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  }),
];
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
for (const row of rows)
  console.log(
    `${row.file.padEnd(40)} ${kb(row.raw).padStart(10)} raw ${kb(row.gzip).padStart(10)} gzipped`,
  );
const total = rows.reduce((sum, row) => sum + row.gzip, 0);
console.log(
  `first load: ${kb(total)} gzipped of a ${kb(BUDGET_BYTES)} budget (${((total / BUDGET_BYTES) * 100).toFixed(0)}%), ${rows.length} requests, ${remote.length} from elsewhere`,
);
if (total > BUDGET_BYTES || remote.length > 0) {
  console.error('over budget, or it loads files from elsewhere');
  process.exit(1);
}
