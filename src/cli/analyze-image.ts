/** The in-process analysis `scan` and `layers` share: open the image (registry or local source), analyse, report progress. */
import type { AnalysisHooks, AnalysisResult, SbomAnalysis } from '../analyze.js';
import type { Config } from '../config.js';

export async function analyze(image: string, config: Config, platform: string | undefined, quiet: boolean | undefined, hooks: AnalysisHooks, layerReport: false): Promise<SbomAnalysis>;
export async function analyze(image: string, config: Config, platform: string | undefined, quiet: boolean | undefined, hooks: AnalysisHooks): Promise<AnalysisResult>;
export async function analyze(image: string, config: Config, platform: string | undefined, quiet = false, hooks: AnalysisHooks = {}, layerReport = true): Promise<SbomAnalysis> {
  const [{ analyzeImage }, { openImage }, { registryClientFromConfig }, { parsePlatform }] = await Promise.all([
    import('../analyze.js'),
    import('../image/open.js'),
    import('../registry/from-config.js'),
    import('../registry/platform.js'),
  ]);
  // The CLI runs on the user's machine: registries on localhost or the LAN are theirs to reach (no SSRF guard).
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const source = await openImage(image, {
    client,
    platform: platform ? parsePlatform(platform) : undefined,
    limits: config.limits,
    allowLocalSources: true,
  });
  const result = await analyzeImage(source, {
    limits: config.limits,
    layerConcurrency: config.layerConcurrency,
    onLayer: quiet ? undefined : (done, total) => process.stderr.write(`\rlayers ${done}/${total}`),
    layerReport,
    hooks,
  });
  if (!quiet) {
    const counts = Object.entries(result.counts).map(([t, n]) => `${n} ${t}`).join(', ') || 'no packages';
    process.stderr.write(`\r${result.image.name} ${result.image.digest} (${result.image.platform}): ${counts}\n`);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  }
  return result;
}
