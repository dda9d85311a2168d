import { describe, expect, it } from 'vitest';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultLayerCache, defaultLimits, loadConfig, parseByteSize } from '../../src/config.js';

describe('config', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, redis: { mode: 'standalone', url: 'redis://127.0.0.1:6379' }, insecureRegistries: [], apiKeys: [] });
    expect(c.limits.maxManifestBytes).toBe(4 * 1024 * 1024);
  });
  it('takes its limit and layer-cache defaults from the one declaration of each', () => {
    const c = loadConfig({});
    expect(c.limits).toEqual(defaultLimits);
    expect(c.layerCache).toEqual(defaultLayerCache);
  });
  it('resolves the Docker config path (DOCKER_CONFIG, else ~/.docker) so the core reads no environment', () => {
    expect(loadConfig({}).dockerConfigPath).toBe(join(homedir(), '.docker', 'config.json'));
    expect(loadConfig({ DOCKER_CONFIG: '/etc/dc' }).dockerConfigPath).toBe('/etc/dc/config.json');
  });
  it('parses lists and sizes and reports every bad value', () => {
    const c = loadConfig({ LAYERLENS_INSECURE_REGISTRIES: 'a:5000, b:5000', LAYERLENS_MAX_FILE_BYTES: '2MiB' });
    expect(c.insecureRegistries).toEqual(['a:5000', 'b:5000']);
    expect(c.limits.maxFileBytes).toBe(2 * 1024 * 1024);
    expect(() => loadConfig({ PORT: 'x', LAYERLENS_MAX_FILE_BYTES: 'lots' })).toThrow(/PORT[\s\S]*LAYERLENS_MAX_FILE_BYTES/);
  });
  it('reads byte sizes as Dive and humans write them', () => {
    expect(parseByteSize('20MB')).toBe(20_000_000);
    expect(parseByteSize('512MiB')).toBe(536_870_912);
    expect(parseByteSize('1.5 GB')).toBe(1_500_000_000);
    expect(parseByteSize('12')).toBe(12);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
  });
});
