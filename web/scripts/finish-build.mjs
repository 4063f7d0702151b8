// Copies the two HTML pages next to the built micro-frontend and checks the
// output contract the Rust server embeds: dist/mfe/charter.js (stable name),
// dist/mfe/assets/*-[hash].js, dist/index.html, dist/host-demo/index.html.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
for (const page of ['index.html', 'host-demo/index.html']) {
  mkdirSync(dirname(join(dist, page)), { recursive: true });
  copyFileSync(join(root, 'pages', page), join(dist, page));
}
const problems = [];
if (!existsSync(join(dist, 'mfe/charter.js'))) problems.push('dist/mfe/charter.js is missing');
const assets = existsSync(join(dist, 'mfe/assets')) ? readdirSync(join(dist, 'mfe/assets')) : [];
for (const a of assets) if (!/-[A-Za-z0-9_-]{8,}\.(js|css)$/.test(a)) problems.push(`dist/mfe/assets/${a} has no content hash`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`dist/: mfe/charter.js, ${assets.length} hashed assets, index.html, host-demo/index.html`);
