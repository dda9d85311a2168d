/**
 * RFC 9457 problem details: the only error shape the API sends. Each LayerlensError code maps to one status, so the
 * same failure gets the same answer whether it happens in the API or is read back from a failed job.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../errors.js';
import { LayerlensError } from '../errors.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code?: string;
  [extension: string]: unknown;
}

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  INVALID_REFERENCE: 400,
  INVALID_PLATFORM: 400,
  PLATFORM_NOT_FOUND: 422,
  UNSUPPORTED_MEDIA_TYPE: 422,
  MANIFEST_INVALID: 422,
  MANIFEST_UNKNOWN: 422,
  NAME_UNKNOWN: 422,
  UNAUTHORIZED: 422,
  DENIED: 422,
  REGISTRY_NOT_ALLOWED: 422,
  TOO_LARGE: 422,
  SOURCE_INVALID: 422,
  LAYER_INVALID: 422,
  TIME_BUDGET_EXCEEDED: 422,
  // The registry sent bytes that are not what it named: its fault, and it must not be retried into the cache.
  DIGEST_MISMATCH: 502,
  SIZE_MISMATCH: 502,
  TOOMANYREQUESTS: 503,
  REGISTRY_UNREACHABLE: 502,
  REGISTRY_ERROR: 502,
  TIMEOUT: 504,
};

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  406: 'Not acceptable',
  413: 'Request body too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  422: 'The image cannot be analysed',
  500: 'Internal error',
  502: 'Registry error',
  503: 'Service unavailable',
  504: 'Registry timeout',
};

export function problemType(code: string): string {
  return `urn:layerlens:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(c: Context, status: ContentfulStatusCode, code: string, detail: string, extra: Record<string, unknown> = {}): Response {
  const body: Problem = {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: c.req.path,
    code,
    ...extra,
  };
  return c.body(JSON.stringify(body), status, { 'content-type': PROBLEM_MEDIA_TYPE });
}

export function problemFromError(c: Context, e: LayerlensError): Response {
  const status = STATUS[e.code] ?? 500;
  if (e.code === 'TOOMANYREQUESTS' && e.retryAfter !== undefined) c.header('retry-after', String(Math.ceil(e.retryAfter)));
  return problem(c, status, e.code, e.describe(), e.step ? { step: e.step } : {});
}
