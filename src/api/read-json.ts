/** Reads and validates a JSON request body; any failure is a 400/415 problem whose detail names the bad field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { problem } from './problem.js';

export async function readJsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T> | Response> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    return problem(c, 415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json (got ${type || 'no content type'})`);
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return problem(c, 400, 'INVALID_BODY', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return problem(c, 400, 'INVALID_BODY', detail, { errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return parsed.data as z.infer<T>;
}
