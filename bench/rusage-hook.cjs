// Preloaded into a measured child (node --require; CommonJS, so that measuring does not start Node's ESM loader):
// writes its own resource usage (CPU, peak RSS) when it exits, which a parent cannot read for a child on its own in
// Node. Peak RSS comes from VmHWM in /proc/self/status: the getrusage maxRSS survives fork + exec on Linux, so a
// child of a big parent would report the parent's peak. Also records when the process made its first HTTP request
// (ms since the process started): start-up — Node's boot, module loading, configuration — seen from the outside.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  let firstRequestMs;
  for (const mod of [http, https]) {
    const request = mod.request;
    mod.request = function (...args) {
      firstRequestMs ??= performance.now();
      return request.apply(this, args);
    };
  }
  require('node:module').syncBuiltinESMExports();
  process.on('exit', () => {
    const usage = process.resourceUsage();
    let peakKiB = usage.maxRSS;
    try {
      const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) peakKiB = Number(m[1]);
    } catch {
      // not Linux: keep maxRSS
    }
    writeFileSync(file, JSON.stringify({ ...usage, maxRSS: peakKiB, firstRequestMs }));
  });
}
