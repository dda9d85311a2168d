/**
 * Every Redis key layerlens writes, in one place, laid out for Redis Cluster. A command or MULTI that touches more
 * than one key must find them in one hash slot, so each group of keys used together shares a hash tag (the part in
 * `{…}`, the only part Cluster hashes):
 *
 * - a BullMQ queue: prefix `{BASE:QUEUE}` — BullMQ's Lua scripts touch many keys of one queue (its documented
 *   Cluster requirement); one tag per queue, so the queues spread over the shards instead of piling onto one.
 * - a result: `BASE:result:{VERSION:DIGEST}:PART` — meta, SBOM and layer report are written in one MULTI. Anything
 *   stored beside a result later (a package index, …) takes `resultKey(…, name)` and joins that MULTI.
 * - a layer summary and its cross-process lock: `BASE:layer:sS:cC:{DIGEST}` and `…{DIGEST}:lock`.
 * - the fleet's package index: an image's facts beside its result (`resultKey(…, 'packages')`); one sorted set per
 *   package identity `BASE:pkgidx:VERSION:{type/ns/name}`; an image's names `BASE:refs:{DIGEST}`. Each command
 *   touches one key (the per-package sets cannot share the image's slot, so they are derived, not transactional).
 * - everything else is one key per command (watch definitions, a watch's tag state, callback URL sets, webhook
 *   dedup), so its slot does not matter.
 *
 * No code path lists keys (KEYS / SCAN reach one node only on Cluster); keys are always computed from ids.
 */

export const DEFAULT_KEY_BASE = 'layerlens';

export class KeySpace {
  constructor(readonly base: string = DEFAULT_KEY_BASE) {
    // A brace in the base would become (part of) the hash tag and silently regroup every key.
    if (/[{}]/.test(base)) throw new Error(`key prefix "${base}" must not contain { or }`);
  }

  /** BullMQ's `prefix` option for one queue. */
  queuePrefix(queue: string): string {
    return `{${this.base}:${queue}}`;
  }

  /** One part of one result; every part of a result hashes to the same slot. */
  resultKey(analyzerVersion: string, digest: string, part: string): string {
    return `${this.base}:result:{${analyzerVersion}:${digest}}:${part}`;
  }

  /** A layer summary; `layerLockKey` of the same layer is in its slot. */
  layerKey(summaryVersion: string | number, capture: string, layerDigest: string): string {
    return `${this.base}:layer:s${summaryVersion}:c${capture}:{${layerDigest}}`;
  }

  layerLockKey(layerKey: string): string {
    return `${layerKey}:lock`;
  }

  callbacks(jobId: string): string {
    return `${this.base}:callbacks:${jobId}`;
  }

  watches(): string {
    return `${this.base}:watches`;
  }

  watchState(id: string): string {
    return `${this.base}:watch-state:${id}`;
  }

  /** One package identity's entries in the fleet index (`type/namespace/name`): one sorted set, so one slot. */
  packageIndex(analyzerVersion: string, identity: string): string {
    return `${this.base}:pkgidx:${analyzerVersion}:{${identity}}`;
  }

  /** The names an image is known by (repository:tag). */
  imageReferences(digest: string): string {
    return `${this.base}:refs:{${digest}}`;
  }

  webhookSeen(dedupKey: string): string {
    return `${this.base}:webhook-seen:${dedupKey}`;
  }
}
