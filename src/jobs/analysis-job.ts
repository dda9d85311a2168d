/**
 * The analysis job: queue name, payload schema, and the job id rule — derived from manifest digest × platform ×
 * analyzer version, so duplicate requests for the same image share one job. Shared by the API (producer) and the
 * workers (consumer); payloads carry references, never credentials.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ANALYZER_VERSION } from '../catalog/catalogers.js';

export const ANALYZE_QUEUE = 'layerlens-analyze';

export const analysisPayload = z.object({
  /** What the caller asked for, as normalised (`127.0.0.1:5000/library/alpine:3.19`). */
  image: z.string().min(1).max(1024),
  /** The platform image pinned by digest: what the worker pulls, so a moving tag cannot change the job. */
  pinned: z.string().min(1).max(1024),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  indexDigest: z.string().optional(),
  platform: z.string(),
  analyzerVersion: z.string(),
  requestedAt: z.string(),
  callbackUrl: z.string().url().optional(),
});

export type AnalysisPayload = z.infer<typeof analysisPayload>;

/** `sha256-<hex>-linux-amd64-<analyzer>`: readable, free of `:` (BullMQ reserves it), stable per request. */
export function analysisJobId(digest: string, platform: string, analyzerVersion = ANALYZER_VERSION): string {
  const hex = digest.replace(/^sha256:/, '');
  const slug = platform.replace(/[^a-z0-9]+/gi, '-');
  return `sha256-${hex}-${slug}-${analyzerVersion}`;
}

/**
 * The id of a job for the same image pulled from another source (`registry/repository`) than the job already
 * waiting or running under the plain id: `…-s<hash>`, so a request naming a healthy registry does not wait on, or
 * fail with, a job stuck on a slow or broken one. Results are stored by digest either way.
 */
export function sourceJobId(id: string, source: string): string {
  return `${id}-s${shortHash(source).slice(0, 8)}`;
}

/** `registry/repository` of a pinned `registry/repository@sha256:…` reference. */
export function sourceOf(pinned: string): string {
  const at = pinned.indexOf('@');
  return at < 0 ? pinned : pinned.slice(0, at);
}

const JOB_ID = /^sha256-([a-f0-9]{64})-([a-z0-9-]+)-([a-f0-9]{12})(?:-s[a-f0-9]{8})?$/;

export function parseAnalysisJobId(id: string): { digest: string; analyzerVersion: string } | undefined {
  const m = JOB_ID.exec(id);
  return m ? { digest: `sha256:${m[1]}`, analyzerVersion: m[3] } : undefined;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Workers fail jobs with `CODE: step of image: message`; split that back into its parts. */
export function parseFailure(reason: string): { code: string; detail: string } {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  return m ? { code: m[1], detail: m[2] } : { code: 'INTERNAL', detail: reason };
}
