/**
 * `npm run build`, second step: the CLI as one minified CommonJS file, dist/layerlens.cjs (the package `bin`).
 *
 * What it buys: start-up reads and compiles one file instead of resolving and loading ~110 modules one by one
 * (module resolution, a stat and a read per file, and ESM linking, which Node 20 does for each), and the code a
 * scan runs is one script for V8's code cache (src/runtime/compile-cache.ts). Commands stay lazy: esbuild turns each
 * dynamic `import()` of our own modules into a function run on first use, so `scan` still evaluates none of the
 * API's, the queue's or the logger's modules.
 *
 * Left out of the bundle, loaded from node_modules at run time as before:
 * - the native addons (layerlens-isal-inflate, zstd-napi), loaded through createRequire(import.meta.url);
 * - packages that read their own files at run time or start worker threads by path: bullmq (its Lua scripts),
 *   pino (transports), ioredis and the HTTP stack used only by `serve`/`worker`/`start`.
 * `import.meta.url` is the bundle's own file URL, so paths relative to it (../package.json, ../openapi.yaml) resolve
 * from dist/ as they do from dist/src/.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

export const EXTERNAL = [
  'layerlens-isal-inflate',
  'zstd-napi',
  'bullmq',
  'ioredis',
  'pino',
  'hono',
  '@hono/node-server',
  ...Object.keys(pkg.optionalDependencies ?? {}),
];

/**
 * @cyclonedx/cyclonedx-library's XML serializer picks its XML writer when the module loads, which requires xmlbuilder2
 * (and its DOM) even for a JSON-only scan: ~12 ms of every start-up. In the bundle the writer is picked at the first
 * XML serialisation instead; the same writer, the same bytes, the same error when it is missing.
 */
const lazyXmlWriter = {
  name: 'lazy-cyclonedx-xml-writer',
  setup(b) {
    b.onLoad({ filter: /cyclonedx-library[\\/]dist\.node[\\/]_optPlug\.node[\\/]xmlStringify\.js$/ }, () => ({
      loader: 'js',
      contents: `"use strict";
const wrapper = require("./_wrapper").default;
let stringify;
exports.__esModule = true;
exports.default = (bom, options) => (stringify ??= wrapper("XmlStringifier", [["xmlbuilder2", () => require("./__xmlStringifiers/xmlbuilder2").default]]))(bom, options);`,
    }));
  },
};

/**
 * The bundle runs as a vm.Script (src/runtime/launch.ts), where `import()` has no loader in Node 20. esbuild turns
 * the dynamic import of a bundled module into a plain function call, but keeps `import('node:…')` of built-ins: each
 * becomes a one-line CommonJS module that requires the built-in, so it is a bundled module like the others.
 */
const builtinDynamicImports = {
  name: 'builtin-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(args.path)});` }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/layerlens-main.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: process.env.BUNDLE_MINIFY !== '0', // 0: readable names in a CPU profile
  sourcemap: 'linked',
  legalComments: 'linked',
  external: EXTERNAL.flatMap((name) => [name, `${name}/*`]),
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: `var __bundle_url=require("node:url").pathToFileURL(__filename).href;` },
  plugins: [lazyXmlWriter, builtinDynamicImports],
  metafile: true,
  logLevel: 'warning',
  // src/cli.ts's shebang is kept as the first line.
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
// The bin: a small launcher that runs the bundle from V8's code cache (src/runtime/launch.ts).
await build({
  absWorkingDir: root,
  entryPoints: ['src/runtime/launch.ts'],
  outfile: 'dist/layerlens.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
process.stdout.write(`dist/layerlens-main.cjs: ${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(result.metafile.inputs).length} modules\n`);
if (process.env.BUNDLE_REPORT) {
  const byPackage = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs).find((o) => o.entryPoint).inputs)) {
    const key = file.includes('node_modules/') ? file.split('node_modules/').pop().split('/').slice(0, file.split('node_modules/').pop().startsWith('@') ? 2 : 1).join('/') : file.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${(v / 1024).toFixed(0).padStart(6)} KiB ${k}\n`);
}
