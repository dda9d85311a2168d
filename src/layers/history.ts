/**
 * Which config history entry made which layer. History entries with `empty_layer: true` (ENV, CMD, LABEL…) made no
 * layer, so the n-th layer belongs to the n-th entry without it — Dive and `docker history` pair them the same way.
 * History is optional metadata: a layer without an entry (history shorter than the layers) gets none, and extra
 * entries are ignored.
 */
import type { HistoryEntry, ImageConfig } from '../registry/manifest.js';

export function historyPerLayer(config: Pick<ImageConfig, 'history'>, layerCount: number): (HistoryEntry | undefined)[] {
  const producing = (config.history ?? []).filter((h) => h.empty_layer !== true);
  return Array.from({ length: layerCount }, (_, i) => producing[i]);
}
