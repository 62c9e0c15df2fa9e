// Builds the web UI into dist/: bundles src/ with esbuild into dist/assets/
// under stable names and copies public/ as-is. The server binary embeds dist/
// (see cmake/EmbedAssets.cmake), so this script only rewrites files whose
// bytes changed: unchanged assets keep their timestamps and cause no relink.
import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const nested = await Promise.all(entries.map((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? listFiles(path) : [path];
  }));
  return nested.flat();
}

async function bundle() {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      app: 'src/app.js',
      watch: 'src/watch.js',
      signin: 'src/signin.js',
      golive: 'src/golive.js',
      upload: 'src/upload.js',
      manage: 'src/manage.js',
      'engine-hls': 'src/player/engine-hls.js',
      'engine-dash': 'src/player/engine-dash.js',
      style: 'src/style.css',
      channel: 'src/channel.js',
      setup: 'src/setup.js',
    },
    outdir: join(dist, 'assets'),
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    // The engines are separate bundles loaded on demand by the pages that play video.
    plugins: [{
      name: 'sibling-engines',
      setup(build) {
        build.onResolve({ filter: /^\.\/engine-(hls|dash)\.js$/ }, (args) => (
          args.importer.includes('/player/') ? undefined : { path: args.path, external: true }));
      },
    }],
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const files = result.outputFiles.map((f) => ({ path: f.path, bytes: Buffer.from(f.contents) }));
  files.push({ path: join(dist, 'assets', 'licenses.txt'), bytes: await licenses(Object.keys(result.metafile.inputs)) });
  return files;
}

// The bundles carry third-party code: ship each package's license texts too.
async function licenses(inputs) {
  const packages = [...new Set(inputs.map((p) => p.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1]).filter(Boolean))].sort();
  const parts = ['Third-party software bundled into the Tidecast web UI.\n'];
  for (const name of packages) {
    const dir = join(root, 'node_modules', name);
    const { version, license } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const texts = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f));
    if (name === 'dashjs') texts.push('dist/modern/esm/dash.all.min.js.LICENSE.txt');
    parts.push(`${'='.repeat(72)}\n${name} ${version} (${license})\n${'='.repeat(72)}`);
    for (const file of texts) parts.push((await readFile(join(dir, file), 'utf8')).trim() + '\n');
  }
  return Buffer.from(parts.join('\n'));
}

async function copyPublic() {
  const source = join(root, 'public');
  const files = await listFiles(source);
  return Promise.all(files.map(async (path) => ({ path: join(dist, relative(source, path)), bytes: await readFile(path) })));
}

// Text assets are also stored precompressed (<file>.br, <file>.gz), so the
// server sends them encoded at no CPU cost per request (src/http/static_assets.*).
// Only where the encoding saves at least 5%: a tiny file is not worth a variant.
// Both encoders are deterministic, so unchanged inputs give unchanged bytes.
const compressible = /\.(js|css|html|svg|json|map)$/;

function precompress(outputs) {
  const encoded = [];
  for (const { path, bytes } of outputs) {
    if (!compressible.test(path)) continue;
    const variants = {
      br: brotliCompressSync(bytes, {
        params: {
          [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
          [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
          [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
      gz: gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION }),
    };
    for (const [suffix, compressed] of Object.entries(variants)) {
      if (compressed.length <= bytes.length * 0.95) encoded.push({ path: `${path}.${suffix}`, bytes: compressed });
    }
  }
  return encoded;
}

async function sync(outputs) {
  const wanted = new Map(outputs.map((o) => [o.path, o.bytes]));
  if (wanted.size !== outputs.length) throw new Error('two outputs share one path (public/assets clash?)');
  let written = 0;
  for (const [path, bytes] of wanted) {
    const old = await readFile(path).catch(() => null);
    if (old && old.equals(bytes)) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written += 1;
  }
  let removed = 0;
  for (const path of await listFiles(dist)) {
    if (wanted.has(path)) continue;
    await rm(path);
    removed += 1;
    await rmdir(dirname(path)).catch(() => {});  // only succeeds once empty
  }
  return { written, removed, total: wanted.size };
}

const outputs = [...(await bundle()), ...(await copyPublic())];
const { written, removed, total } = await sync([...outputs, ...precompress(outputs)]);
console.log(`web: dist/ has ${total} files (${written} written, ${removed} removed)`);
