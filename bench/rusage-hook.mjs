// Preloaded into a measured child (node --import): writes its own resource usage (CPU, peak RSS) when it exits,
// which a parent cannot read for a child on its own in Node. Peak RSS comes from VmHWM in /proc/self/status: the
// getrusage maxRSS survives fork + exec on Linux, so a child of a big parent would report the parent's peak.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    let peakKiB = usage.maxRSS;
    try {
      const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) peakKiB = Number(m[1]);
    } catch {
      // not Linux: keep maxRSS
    }
    writeFileSync(file, JSON.stringify({ ...usage, maxRSS: peakKiB }));
  });
}
