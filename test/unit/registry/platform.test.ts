import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform, platformMatches } from '../../../src/registry/platform.js';

describe('platforms', () => {
  it('normalises as containerd does', () => {
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/aarch64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/x86_64'))).toBe('linux/amd64');
    expect(formatPlatform(parsePlatform('LINUX/AMD64'))).toBe('linux/amd64');
    expect(formatPlatform(parsePlatform('linux/arm'))).toBe('linux/arm/v7');
  });
  it('matches arm64 with and without the v8 variant, but not arm/v6 with arm/v7', () => {
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' })).toBe(false);
  });
  it.each(['linux', 'linux/amd64/v2/x', 'linux/am d64', ''])('rejects %j', (bad) => {
    expect(() => parsePlatform(bad)).toThrow(expect.objectContaining({ code: 'INVALID_PLATFORM' }));
  });
});
