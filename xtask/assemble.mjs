// Assembles the built console into dist/ the way `trunk build` lays it out,
// so the test and run commands need no Trunk (compiling it costs a fresh
// machine ~11 minutes). Input: wasm-bindgen's `--target web` output
// (already through wasm-opt). Files get a content hash in their name (the
// backend caches those for a year) and index.html gets Subresource
// Integrity for each. Trunk.toml stays for `trunk serve` while developing.
//
//   node xtask/assemble.mjs <bindgen-dir> <name> <dist>
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

const [bindgenDir, name, dist] = process.argv.slice(2);
if (!bindgenDir || !name || !dist) {
  console.error('usage: node xtask/assemble.mjs <bindgen-dir> <name> <dist>');
  process.exit(2);
}
const template = resolve('frontend/index.html');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const digest = (data, algorithm) => createHash(algorithm).update(data);
const sri = (data) => `sha384-${digest(data, 'sha384').digest('base64')}`;

/** Copies `source` into dist as `<stem>-<16 hex>.<ext>`; returns its URL and SRI. */
function hashed(source, stem = basename(source, extname(source)), ext = extname(source)) {
  const data = readFileSync(source);
  const file = `${stem}-${digest(data, 'sha256').digest('hex').slice(0, 16)}${ext}`;
  writeFileSync(join(dist, file), data);
  return { url: `/${file}`, integrity: sri(data) };
}

// wasm-bindgen writes snippets/ when a dependency brings inline JS; the
// module would import files dist/ lacks, failing only in the browser.
if (existsSync(join(bindgenDir, 'snippets'))) {
  throw new Error(`${bindgenDir}/snippets exists: assemble.mjs does not lay snippets out yet`);
}

// One hash names both halves, as Trunk does: the JS imports its wasm by the
// URL given to init(), so the pair must change together.
const js = readFileSync(join(bindgenDir, `${name}.js`));
const wasm = readFileSync(join(bindgenDir, `${name}_bg.wasm`));
const pair = digest(Buffer.concat([js, wasm]), 'sha256').digest('hex').slice(0, 16);
const jsFile = `${name}-${pair}.js`;
const wasmFile = `${name}-${pair}_bg.wasm`;
writeFileSync(join(dist, jsFile), js);
writeFileSync(join(dist, wasmFile), wasm);

const boot = `
<script type="module">
import init from '/${jsFile}';
await init({ module_or_path: '/${wasmFile}' });
</script>`;
const preload =
  `<link rel="modulepreload" href="/${jsFile}" crossorigin="anonymous" integrity="${sri(js)}">` +
  `<link rel="preload" href="/${wasmFile}" crossorigin="anonymous" integrity="${sri(wasm)}" as="fetch" type="application/wasm">`;

const base = dirname(template);
let html = readFileSync(template, 'utf8');
let rustSeen = false;
html = html.replace(/<link data-trunk ([^>]*?)\s*\/?>/g, (tag, attributes) => {
  const rel = /rel="([^"]+)"/.exec(attributes)?.[1];
  const href = /href="([^"]+)"/.exec(attributes)?.[1];
  const source = href && resolve(base, href);
  switch (rel) {
    case 'rust':
      rustSeen = true;
      return boot;
    case 'css': {
      const { url, integrity } = hashed(source);
      return `<link rel="stylesheet" href="${url}" integrity="${integrity}"/>`;
    }
    case 'icon': {
      const { url, integrity } = hashed(source);
      return `<link rel="icon" href="${url}" integrity="${integrity}"/>`;
    }
    case 'copy-file':
      copyFileSync(source, join(dist, basename(source)));
      return '';
    default:
      throw new Error(`assemble.mjs does not know <link data-trunk rel="${rel}">: ${tag}`);
  }
});
if (!rustSeen) throw new Error(`${template} has no <link data-trunk rel="rust">`);
html = html.replace('</head>', `${preload}</head>`);
writeFileSync(join(dist, 'index.html'), html);
console.log(`assembled ${dist}: ${jsFile}, ${wasmFile} (${wasm.length} B)`);
