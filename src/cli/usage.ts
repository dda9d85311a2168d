/** The CLI's help text and usage errors (exit code 2). */
export const help = (version: string) => `layerlens ${version} — SBOMs and layer reports for OCI images

Usage:
  layerlens scan IMAGE [--platform OS/ARCH[/VARIANT]] [-o FORMAT[=FILE]]...
      the SBOM of IMAGE in each FORMAT (stdout, or FILE): cyclonedx-json (1.6; cyclonedx-json@1.5 too),
      cyclonedx-xml, spdx-json (2.3), table (NAME VERSION TYPE LAYER), purls; default: table on a terminal,
      cyclonedx-json otherwise; -o FILE alone is cyclonedx-json to FILE
  layerlens scan IMAGE [-o ...] --attach
      also push the SBOM (each document format among -o, else CycloneDX JSON) to the image's repository as an
      OCI 1.1 referrer of the image (Referrers API, or the sha256-<hex> referrers tag); not pushed twice
  layerlens scan IMAGE --platform all [-o [FORMAT=]DIR]
      one SBOM per image platform: DIR/OS-ARCH[-VARIANT].cdx.json (or the FORMAT's extension), or one
      CycloneDX document per line on stdout
  layerlens layers IMAGE [--platform P] [--format json|table] [--ci [--ci-config FILE]
                   [--lowest-efficiency R] [--highest-wasted-bytes B] [--highest-user-wasted-percent R]]
      per-layer sizes, added/modified/removed files, wasted bytes, efficiency; with --ci, Dive's CI rules
      (defaults, then .dive-ci or --ci-config, then flags; a rule is turned off with "disabled") and exit 1 on failure
  layerlens inspect IMAGE [--format table|json] [--results]
      digest, media type, platforms (index) or config, layers and history (image); no layer is pulled
  layerlens tags REPOSITORY [--pattern GLOB] [--limit N] [--last TAG] [--format table|json] [--results]
      each tag's digest, platforms and compressed size, following the registry's pages (at most --limit tags,
      default 1000; --last TAG continues after TAG)
  layerlens serve     run the HTTP API (PORT, REDIS_URL), LAYERLENS_API_PROCESSES processes on one port (default 1)
  layerlens worker    run analysis workers (REDIS_URL), LAYERLENS_WORKER_PROCESSES processes (default: one per core)
  layerlens start     run API and worker in one process; starts a local redis-server if none is reachable

IMAGE is a registry reference (alpine, ghcr.io/org/app:1.2, host:5000/repo@sha256:…) or oci-dir:PATH[:REF].
Registries on loopback addresses and those in LAYERLENS_INSECURE_REGISTRIES are spoken to over plain HTTP.

Options:
  --platform P   platform to pick from a multi-arch image (default linux/amd64)
  -o, --output   FORMAT[=FILE], repeatable: the SBOM formats to write, and where (see scan)
  --format F     layers, inspect and tags output: table (default) or json
  --pattern G    tags: only tags matching the glob G (e.g. '1.*')
  --results      inspect, tags: show layerlens' stored results per digest (read from REDIS_URL)
  -q, --quiet    no progress on stderr
  -h, --help     this help
  -v, --version  the version
`;

export class UsageError extends Error {}

export function requireImage(image: string | undefined): string {
  if (!image) throw new UsageError('IMAGE is missing; see layerlens --help');
  return image;
}
