/** `layerlens scan`: the SBOM of an image in each -o format; `--platform all`; `--attach` as an OCI referrer. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalysisHooks, SbomAnalysis } from '../analyze.js';
import type { Config } from '../config.js';
import type { SbomFormat } from '../sbom/formats/index.js';
import { analyze } from './analyze-image.js';
import type { CommandContext } from './context.js';
import { requireImage, UsageError } from './usage.js';

export async function runScan({ image, values, config, hooks }: CommandContext): Promise<number> {
  if (values.platform === 'all') return scanAllPlatforms(requireImage(image), config, values.output ?? [], hooks, values.quiet);
  const outputs = await outputSpecs(values.output ?? []);
  if (values.attach && (await import('../image/open.js')).isLocalSource(requireImage(image))) {
    throw new UsageError('--attach needs a registry image: a local source has no registry to attach to');
  }
  // The SBOM only: the layer report (the largest allocation on an image of many files) is not built.
  const result = await analyze(requireImage(image), config, values.platform, values.quiet, hooks, false);
  for (const out of outputs) {
    const body = out.format.id === 'cyclonedx-json@1.6' ? result.sbom : out.format.encode(result.sbomInput);
    if (out.file) await writeFile(out.file, body);
    else process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
  }
  if (values.attach) await attachToRegistry(requireImage(image), config, result, outputs.map((o) => o.format), values.quiet);
  return 0;
}

/**
 * `--attach`: the SBOM pushed to the image's repository as an OCI 1.1 referrer (registry/attach.ts), in each
 * document format among the -o outputs (CycloneDX JSON when there is none), with the registry credentials a pull uses.
 */
async function attachToRegistry(image: string, config: Config, result: SbomAnalysis, formats: SbomFormat[], quiet = false): Promise<void> {
  const [{ attachSbom }, { registryClientFromConfig }, { parseReference }, { sbomFormat }, { ANALYZER_VERSION }] = await Promise.all([
    import('../registry/attach.js'),
    import('../registry/from-config.js'),
    import('../registry/reference.js'),
    import('../sbom/formats/index.js'),
    import('../catalog/catalogers.js'),
  ]);
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const documents = formats.filter((f) => f.document);
  for (const format of documents.length ? documents : [sbomFormat('cyclonedx-json')!]) {
    const body = format.id === 'cyclonedx-json@1.6' ? result.sbom : format.encode(result.sbomInput);
    const attached = await attachSbom(client, {
      image: parseReference(image),
      subjectDigest: result.image.digest,
      artifactType: format.baseType,
      body,
      fileName: `sbom.${format.extension}`,
      analyzerVersion: ANALYZER_VERSION,
      created: result.sbomInput.subject.created,
    });
    if (!quiet) process.stderr.write(`${attached.pushed ? 'attached' : 'already attached'} ${format.id} as ${attached.digest} (${attached.via})\n`);
  }
}

/** `-o` values, checked before anything is pulled; a bad one is a usage error. */
async function outputSpecs(values: string[]) {
  const { parseOutputSpecs, OutputSpecError } = await import('../sbom/formats/output-spec.js');
  try {
    return parseOutputSpecs(values, process.stdout.isTTY === true);
  } catch (e) {
    throw e instanceof OutputSpecError ? new UsageError(e.message) : e;
  }
}

/**
 * `--platform all`: each platform analysed on its own, one after the other (they rarely share layers). Each
 * `-o [FORMAT=]DIR` gets one file per platform; without -o, CycloneDX JSON lines on stdout.
 */
async function scanAllPlatforms(image: string, config: Config, outputs: string[], hooks: AnalysisHooks, quiet = false): Promise<number> {
  const { sbomFormat } = await import('../sbom/formats/index.js');
  const dirs = outputs.map((value) => {
    const eq = value.indexOf('=');
    const format = eq === -1 ? undefined : sbomFormat(value.slice(0, eq));
    if (eq !== -1 && !format) throw new UsageError(`-o ${value}: ${JSON.stringify(value.slice(0, eq))} is not a format`);
    return { format: format ?? sbomFormat('cyclonedx-json')!, dir: eq === -1 ? value : value.slice(eq + 1) };
  });
  const [{ listPlatformImages }, { registryClientFromConfig }] = await Promise.all([import('../image/open.js'), import('../registry/from-config.js')]);
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const pinned = await listPlatformImages(image, { client, limits: config.limits, allowLocalSources: true });
  for (const { dir } of dirs) await mkdir(dir, { recursive: true });
  for (const one of pinned) {
    const result = await analyze(one, config, undefined, quiet, hooks, false);
    const stem = result.image.platform.replace(/\//g, '-');
    for (const { format, dir } of dirs) {
      const body = format.id === 'cyclonedx-json@1.6' ? result.sbom : format.encode(result.sbomInput);
      await writeFile(join(dir, `${stem}.${format.extension}`), body);
    }
    if (dirs.length === 0) process.stdout.write(`${JSON.stringify(JSON.parse(result.sbom))}\n`); // JSON lines: one document per line
  }
  return 0;
}
