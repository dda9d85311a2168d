import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { apiKeyAuth, constantTimeEqual } from '../../../src/api/auth.js';

describe('API keys', () => {
  const app = new Hono();
  app.use('*', apiKeyAuth(['k1', 'second-key']));
  app.get('/x', (c) => c.text('ok'));

  it('accepts Bearer and X-API-Key, refuses others with problem+json', async () => {
    expect((await app.request('/x', { headers: { authorization: 'Bearer second-key' } })).status).toBe(200);
    expect((await app.request('/x', { headers: { 'x-api-key': 'k1' } })).status).toBe(200);
    const missing = await app.request('/x');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await app.request('/x', { headers: { authorization: 'Bearer k2' } })).status).toBe(401);
    expect((await app.request('/x', { headers: { 'x-api-key': 'k1x' } })).status).toBe(401);
  });

  it('compares secrets of any length', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
