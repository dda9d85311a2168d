/**
 * Delivers one callback: POST the stored body, signed, to the pinned address that passed the SSRF check. A 2xx
 * ends it; 5xx, 408, 429 and network failures are retried by BullMQ with backoff; any other answer (the receiver
 * refused it) and a refused address fail at once — retrying cannot change them.
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResultStore } from '../src/cache/stores.js';
import { changesOf, type TagMove } from '../src/fleet/changes.js';
import type { PackageIndex } from '../src/fleet/package-index.js';
import { parseFailure, type AnalysisPayload } from '../src/jobs/analysis-job.js';
import { analysisLinks } from '../src/jobs/links.js';
import { callbackPayload, signBody, SIGNATURE_HEADER, type CallbackBody, type CallbackPayload, type CallbackRegistry } from '../src/jobs/callback-job.js';
import { checkCallbackTarget, type LookupAll } from '../src/jobs/callback-target.js';
import type { Logger } from '../src/logger.js';
import { TOOL_VERSION } from '../src/version.js';

export interface CallbackProcessorDeps {
  secret: string;
  allowPrivate: boolean;
  logger: Logger;
  timeoutMs?: number;
  lookup?: LookupAll;
}

export function createCallbackProcessor(deps: CallbackProcessorDeps) {
  return async (job: Job<CallbackPayload>): Promise<{ status: number }> => {
    const parsed = callbackPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`INVALID_PAYLOAD: ${parsed.error.message}`);
    const { url, body, analysisId } = parsed.data;
    const target = await checkCallbackTarget(url, deps.allowPrivate, deps.lookup);
    if (!target.ok) {
      if (target.retryable) throw new Error(target.reason);
      throw new UnrecoverableError(target.reason);
    }
    const status = await post(target.url, target.address, target.family, body, {
      'content-type': 'application/json',
      'user-agent': `layerlens/${TOOL_VERSION}`,
      [SIGNATURE_HEADER]: signBody(deps.secret, body),
      // Lets a receiver drop a redelivery it already handled.
      'x-layerlens-delivery': String(job.id),
    }, deps.timeoutMs ?? 10_000);
    // The URL's query may hold the receiver's own token: log the origin only.
    const log = deps.logger.child({ analysisId, callback: target.url.origin, attempt: job.attemptsMade + 1 });
    if (status >= 200 && status < 300) {
      log.info({ status }, 'callback delivered');
      return { status };
    }
    log.warn({ status }, 'callback refused by the receiver');
    if (status >= 500 || status === 408 || status === 429) throw new Error(`the receiver answered ${status}`);
    throw new UnrecoverableError(`the receiver answered ${status}`);
  };
}

function post(url: URL, address: string, family: 4 | 6, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  // Connect to the checked address whatever the name resolves to now; TLS still verifies the certificate for the name.
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface CallbackDispatchDeps {
  registry: Pick<CallbackRegistry, 'take' | 'takeMoves'>;
  queue: Pick<Queue<CallbackPayload>, 'add'>;
  results: Pick<ResultStore, 'getMeta'>;
  /** Package facts for the diff a watch's callback carries. */
  packages?: Pick<PackageIndex, 'facts'>;
  logger: Logger;
}

/** The analysis a callback is about: a finished job, or a stored result a moved tag already pointed to. */
interface Finished {
  id: string;
  data: Pick<AnalysisPayload, 'image' | 'digest' | 'platform'>;
  outcome: 'completed' | 'failed';
  failedReason?: string;
}

async function bodyOf(deps: CallbackDispatchDeps, f: Finished): Promise<CallbackBody> {
  const body: CallbackBody = { id: f.id, status: f.outcome, image: f.data.image, digest: f.data.digest, platform: f.data.platform, links: analysisLinks(f.id, f.data.digest) };
  if (f.outcome === 'failed') body.error = parseFailure(f.failedReason ?? 'INTERNAL: unknown failure');
  else {
    const meta = await deps.results.getMeta(f.data.digest);
    if (meta) body.result = { packages: meta.packages, warnings: meta.warnings.length };
  }
  return body;
}

/** The watch's callback for a moved tag: the analysis body plus what changed from the digest the tag left. */
async function moveBody(deps: CallbackDispatchDeps, base: CallbackBody, move: TagMove): Promise<CallbackBody> {
  const body: CallbackBody = { ...base, watch: { id: move.watchId, tag: move.tag } };
  if (base.status !== 'completed') return body;
  const side = async (digest: string) => {
    const [image, meta] = await Promise.all([deps.packages?.facts(digest), deps.results.getMeta(digest)]);
    return { digest, facts: image?.facts, summary: meta?.summary };
  };
  body.changes = changesOf(await side(move.from), await side(base.digest));
  return body;
}

/**
 * Called from the analysis worker's `completed` event and from `failed` once the job's last attempt failed (a job
 * with retries left is not done, so nobody is told yet): one delivery job per waiting URL, and one per watched tag
 * that moved to this digest (with the diff).
 */
export function createCallbackDispatcher(deps: CallbackDispatchDeps) {
  return async (job: Job<AnalysisPayload>, outcome: 'completed' | 'failed'): Promise<number> => {
    const id = String(job.id);
    const [urls, moves] = await Promise.all([deps.registry.take(id), deps.registry.takeMoves(id)]);
    if (urls.length === 0 && moves.length === 0) return 0;
    const base = await bodyOf(deps, { id, data: job.data, outcome, failedReason: job.failedReason });
    const text = JSON.stringify(base);
    for (const url of urls) await deps.queue.add('callback', { url, body: text, analysisId: id });
    for (const move of moves) await deps.queue.add('callback', { url: move.url, body: JSON.stringify(await moveBody(deps, base, move)), analysisId: id });
    deps.logger.info({ jobId: id, outcome, callbacks: urls.length + moves.length }, 'callbacks queued');
    return urls.length + moves.length;
  };
}

/** A watched tag moved to a digest whose result is already stored: no job will end, so its callback goes now. */
export function createMoveAnnouncer(deps: CallbackDispatchDeps) {
  return async (analysis: Omit<Finished, 'outcome' | 'failedReason'>, move: TagMove): Promise<void> => {
    const base = await bodyOf(deps, { ...analysis, outcome: 'completed' });
    await deps.queue.add('callback', { url: move.url, body: JSON.stringify(await moveBody(deps, base, move)), analysisId: analysis.id });
    deps.logger.info({ jobId: analysis.id, watchId: move.watchId, tag: move.tag }, 'watch callback queued');
  };
}
