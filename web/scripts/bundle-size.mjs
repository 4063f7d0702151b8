// The initial bundle: dist/mfe/charter.js and every chunk it imports
// statically (the wizards and the chart are dynamic imports, loaded later).
// Prints each file's gzipped size and fails above the budget.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const STATIC_IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

const seen = new Set();
function walk(file) {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(STATIC_IMPORT)) walk(join(dirname(file), m[1]));
}
walk(join(root, 'mfe/charter.js'));

const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let initial = 0;
console.log('initial bundle (gzipped):');
for (const f of seen) {
  const size = gz(f);
  initial += size;
  console.log(`  ${relative(root, f).padEnd(48)} ${kb(size)}`);
}
const lazy = readdirSync(join(root, 'mfe/assets')).map((a) => join(root, 'mfe/assets', a)).filter((f) => !seen.has(f));
console.log('lazy chunks (gzipped):');
for (const f of lazy) console.log(`  ${relative(root, f).padEnd(48)} ${kb(gz(f))}`);
console.log(`initial JS: ${kb(initial)} gzipped (budget ${kb(BUDGET)})`);
if (initial > BUDGET) {
  console.error(`initial bundle ${kb(initial)} is over the ${kb(BUDGET)} budget`);
  process.exit(1);
}
