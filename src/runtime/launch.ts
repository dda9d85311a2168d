/**
 * dist/layerlens.cjs, the package `bin`: runs the bundled CLI (dist/layerlens-main.cjs, scripts/bundle.mjs) from V8's
 * code cache.
 *
 * What it buys: compiling the 1 MB bundle is most of what start-up costs after Node's own boot (~110 ms of the
 * ~0.4 s of an Alpine scan in a CPU profile). Node 20 has no `module.enableCompileCache` (Node 22), so this does
 * what it does for one file: the bundle is compiled as a vm.Script with the cached data of an earlier run, and when
 * there was none (or V8 rejected it: another Node, another bundle), the cache is written when the process exits.
 *
 * The cache lives in $LAYERLENS_COMPILE_CACHE_DIR, else $XDG_CACHE_HOME/layerlens, else ~/.cache/layerlens, one file
 * per bundle (size and mtime) and Node version; LAYERLENS_COMPILE_CACHE=0 turns it off. Any failure to read or
 * write it only costs the compile: the CLI runs the same either way.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

declare const __filename: string;

const main = join(dirname(__filename), 'layerlens-main.cjs');
// src/cli.ts's shebang, kept by esbuild, is not JavaScript inside the module wrapper: a comment keeps the lines.
const source = readFileSync(main, 'utf8').replace(/^#!/, '//');
const cacheFile = compileCacheFile();
let cached: Buffer | undefined;
try {
  if (cacheFile) cached = readFileSync(cacheFile);
} catch {
  // no cache yet
}
// No importModuleDynamically: the bundle has no `import()` left (scripts/bundle.mjs).
const script = new Script(Module.wrap(source), { filename: main, cachedData: cached });
const mod = new Module(main, module);
mod.filename = main;
const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
// Written at exit, after the command ran: then it holds every function the command compiled, not only the top level.
// V8 rejects cached data made under other flags than its own; src/runtime/v8-tuning.ts puts the flags it changed
// back before this runs (its exit listener is prepended), so the next process, started with the defaults, accepts it.
if (cacheFile && (!cached || script.cachedDataRejected)) process.on('exit', () => writeCache(cacheFile, script));
run.call(mod.exports, mod.exports, createRequire(main), mod, main, dirname(main));

function compileCacheFile(): string | undefined {
  if (process.env.LAYERLENS_COMPILE_CACHE === '0') return undefined;
  try {
    const dir = process.env.LAYERLENS_COMPILE_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'layerlens');
    const { size, mtimeMs } = statSync(main);
    return join(dir, `cli-${process.version}-${process.arch}-${size}-${Math.round(mtimeMs)}.v8cache`);
  } catch {
    return undefined;
  }
}

function writeCache(file: string, compiled: Script): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, compiled.createCachedData());
    renameSync(tmp, file);
  } catch {
    // read-only home, full disk…: the next run compiles again
  }
}
