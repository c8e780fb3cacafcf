// Writes `.br` (quality 11) and `.gz` (level 9) beside each text/wasm file of
// the built console, so the backend serves them without compressing per
// request. Node's zlib has both codecs; no extra package needed.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
const kinds = new Set(['.wasm', '.js', '.css', '.html', '.svg']);
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!statSync(path).isFile() || !kinds.has(extname(name))) continue;
  const data = readFileSync(path);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(path + '.br', br);
  writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
  console.log(`${name}: ${data.length} B raw, ${br.length} B brotli`);
}
