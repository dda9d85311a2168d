/**
 * Squashing the captured files of all layers in order, as a container runtime would see them: a `.wh.NAME` deletes
 * NAME and everything below it from lower layers, `.wh..wh..opq` hides every lower-layer child of its directory
 * (wherever it stands in the tar), and a path the layer replaces with something uncapturable (a symlink, a file over
 * the size cap) hides the lower version. Besides the final view, each path's timeline is kept so that packages can
 * be attributed to the layer they have been present since.
 */
import type { LayerSummary } from './layer-summary.js';

export interface FileVersion {
  layer: number;
  content: Buffer;
}

/** One change of a path: from `layer` on it is `version` (or absent when null). */
export interface TimelineStep {
  layer: number;
  version: FileVersion | null;
}

export class CapturedView {
  /** The files visible in the final image. */
  readonly files = new Map<string, FileVersion>();
  private readonly timelines = new Map<string, TimelineStep[]>();

  static fromLayers(layers: readonly Pick<LayerSummary, 'captured' | 'whiteouts' | 'opaqueDirs' | 'shadowed'>[]): CapturedView {
    const view = new CapturedView();
    layers.forEach((layer, index) => view.apply(layer, index));
    return view;
  }

  get(path: string): Buffer | undefined {
    return this.files.get(path)?.content;
  }

  paths(filter: (path: string) => boolean = () => true): string[] {
    return [...this.files.keys()].filter(filter).sort();
  }

  timeline(path: string): readonly TimelineStep[] {
    return this.timelines.get(path) ?? [];
  }

  private apply(layer: Pick<LayerSummary, 'captured' | 'whiteouts' | 'opaqueDirs' | 'shadowed'>, index: number): void {
    // Deletions act on lower layers only, so they go before this layer's own files. Each visible path is checked
    // against its own ancestors in sets (path depth), not against every whiteout of the layer (a `rm -rf` layer can
    // hold thousands).
    if (layer.opaqueDirs.length || layer.whiteouts.length || layer.shadowed.length) {
      const opaque = new Set(layer.opaqueDirs);
      const whiteouts = new Set(layer.whiteouts);
      const shadowed = new Set(layer.shadowed);
      for (const path of [...this.files.keys()]) {
        if (shadowed.has(path) || whiteouts.has(path) || hiddenByAncestor(path, opaque, whiteouts)) this.change(path, index, null);
      }
    }
    for (const file of layer.captured) this.change(file.path, index, { layer: index, content: file.content });
  }

  private change(path: string, layer: number, version: FileVersion | null): void {
    if (version) this.files.set(path, version);
    else this.files.delete(path);
    let steps = this.timelines.get(path);
    if (!steps) this.timelines.set(path, (steps = []));
    const last = steps[steps.length - 1];
    if (last && last.layer === layer) last.version = version;
    else steps.push({ layer, version });
  }
}

/** True when a strict ancestor of `path` (the root `''` included) is an opaque directory or is whited out. */
function hiddenByAncestor(path: string, opaque: ReadonlySet<string>, whiteouts: ReadonlySet<string>): boolean {
  if (opaque.has('')) return true;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const dir = path.slice(0, i);
    if (opaque.has(dir) || whiteouts.has(dir)) return true;
  }
  return false;
}
