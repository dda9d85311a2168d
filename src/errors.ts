/**
 * One error type for the whole core. Every failure that can reach a user carries a stable `code`, says which step
 * failed, and knows whether retrying can help — the worker uses that to decide between a retry and a final failure,
 * the API to pick an HTTP status. Codes from the OCI distribution spec are kept as the registry sent them.
 */
export type ErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_PLATFORM'
  | 'PLATFORM_NOT_FOUND'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'TOOMANYREQUESTS'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_NOT_ALLOWED'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'TOO_LARGE'
  | 'LAYER_INVALID'
  | 'TIMEOUT'
  | 'TIME_BUDGET_EXCEEDED'
  | 'SOURCE_INVALID'
  | 'CANCELLED'
  | 'INTERNAL';

const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'TOOMANYREQUESTS',
  'REGISTRY_UNREACHABLE',
  'REGISTRY_ERROR',
  'TIMEOUT',
]);

export interface LayerlensErrorOptions {
  /** The pipeline step that failed, e.g. `resolve manifest`, `pull layer sha256:…`. */
  step?: string;
  /** The image the step was working on, as the user wrote it. */
  image?: string;
  cause?: unknown;
  retryable?: boolean;
  /** Seconds the registry asked us to wait (Retry-After). */
  retryAfter?: number;
  httpStatus?: number;
}

export class LayerlensError extends Error {
  readonly code: ErrorCode;
  readonly step?: string;
  image?: string;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly httpStatus?: number;

  constructor(code: ErrorCode, message: string, options: LayerlensErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LayerlensError';
    this.code = code;
    this.step = options.step;
    this.image = options.image;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.retryAfter = options.retryAfter;
    this.httpStatus = options.httpStatus;
  }

  /** A one-line, user-facing description: what failed, where, and for which image. */
  describe(): string {
    const where = [this.step, this.image].filter(Boolean).join(' of ');
    return where ? `${this.code}: ${where}: ${this.message}` : `${this.code}: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, step: this.step, image: this.image, retryable: this.retryable };
  }
}

export function isLayerlensError(e: unknown): e is LayerlensError {
  return e instanceof LayerlensError;
}

/** A request its caller gave up on (an aborted signal), at `step` when known. */
export function cancelledRequest(step?: string): LayerlensError {
  return new LayerlensError('CANCELLED', 'the request was cancelled', { step, retryable: false });
}

/** Adds the image and step to an error on its way up, without losing the original code. */
export function withContext(e: unknown, image: string, step?: string): LayerlensError {
  if (e instanceof LayerlensError) {
    if (!e.image) e.image = image;
    return e;
  }
  if (e instanceof Error && e.name === 'AbortError') {
    return new LayerlensError('CANCELLED', 'the analysis was cancelled', { image, step, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new LayerlensError('INTERNAL', message, { image, step, cause: e, retryable: false });
}
