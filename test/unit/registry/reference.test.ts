import { describe, expect, it } from 'vitest';
import { apiHost, formatReference, isLoopbackHost, parseReference } from '../../../src/registry/reference.js';

// Examples from the Docker CLI's reference documentation and distribution's reference grammar.
describe('parseReference', () => {
  const cases: [string, string][] = [
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io/library/alpine:3.20'],
    ['library/alpine', 'docker.io/library/alpine:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine:3', 'docker.io/library/alpine:3'],
    ['bitnami/redis:7.2', 'docker.io/bitnami/redis:7.2'],
    ['ghcr.io/org/app:v1.2.3', 'ghcr.io/org/app:v1.2.3'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:tag', 'localhost:5000/a/b/c:tag'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'],
    [`alpine@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine@sha256:${'a'.repeat(64)}`],
    [`alpine:3.20@sha256:${'b'.repeat(64)}`, `docker.io/library/alpine:3.20@sha256:${'b'.repeat(64)}`],
  ];
  it.each(cases)('%s → %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it.each(['', '  ', 'UPPER/case', 'a:b:c', 'alpine@sha256:short', 'x'.repeat(2000), 'foo//bar', ':tag'])('rejects %j with INVALID_REFERENCE', (bad) => {
    expect(() => parseReference(bad)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });

  it('knows Docker Hub API host and loopback hosts', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('ghcr.io')).toBe('ghcr.io');
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('localhost:5000')).toBe(true);
    expect(isLoopbackHost('[::1]:5000')).toBe(true);
    expect(isLoopbackHost('10.0.0.1:5000')).toBe(false);
    expect(isLoopbackHost('registry.local')).toBe(false);
  });
});
