/**
 * deploy/ held against the code (no Docker engine runs here): every file parses, every environment variable it sets
 * is one the configuration reads, every probe path is a route the API answers (asked of the real app), probe and
 * container ports are the API's default PORT, and the image's entrypoint is the built CLI.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { createApp } from '../../src/api/app.js';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { repoRoot } from '../support/paths.js';

const read = (rel: string) => readFileSync(resolve(repoRoot, rel), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };

type Doc = Record<string, any>;
const k8s: Doc[] = parseAllDocuments(read('deploy/k8s/layerlens.yaml')).map((d) => d.toJSON() as Doc);
const compose = parse(read('deploy/compose.yaml')) as Doc;

function envNames(): string[] {
  const names: string[] = [];
  for (const doc of k8s) {
    if (doc.kind === 'ConfigMap' || doc.kind === 'Secret') names.push(...Object.keys(doc.data ?? doc.stringData ?? {}));
    for (const c of doc.spec?.template?.spec?.containers ?? []) names.push(...(c.env ?? []).map((e: { name: string }) => e.name));
  }
  for (const svc of Object.values(compose.services as Record<string, Doc>)) names.push(...Object.keys(svc.environment ?? {}));
  const dockerfile = read('deploy/Dockerfile');
  for (const m of dockerfile.matchAll(/^ENV\s+(.+)$/gm)) names.push(...m[1].split(/\s+/).map((kv) => kv.split('=')[0]));
  return names.filter((n) => n !== 'NODE_ENV');
}

function probes(): { path: string; port: number | string }[] {
  return k8s.flatMap((doc) =>
    (doc.spec?.template?.spec?.containers ?? []).flatMap((c: Doc) =>
      ['readinessProbe', 'livenessProbe', 'startupProbe'].flatMap((p) => (c[p]?.httpGet ? [c[p].httpGet] : [])),
    ),
  );
}

describe('deploy files', () => {
  it('set only environment variables the configuration reads', () => {
    const names = envNames();
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => !CONFIG_ENV_NAMES.includes(n))).toEqual([]);
  });

  it('probe paths the API answers, on the port it listens on', async () => {
    const app = createApp({
      queue: { enqueue: async () => ({ id: 'x', created: false }), get: async () => undefined },
      results: {} as never,
      resolve: async () => { throw new Error('unused'); },
      ready: async () => true,
      apiKeys: ['secret-key'],
      logger: createLogger('silent'),
      openapi: '',
    });
    const found = probes();
    expect(found.map((p) => p.path)).toContain('/readyz');
    const port = loadConfig({}).port;
    for (const probe of found) {
      expect(probe.port).toBe(port);
      // No API key: probes carry none, so the path must be outside the keyed /v1 routes.
      expect((await app.request(probe.path)).status, probe.path).toBe(200);
    }
    const api = k8s.find((d) => d.kind === 'Deployment' && d.metadata.name === 'layerlens-api')!;
    expect(api.spec.template.spec.containers[0].ports.map((p: Doc) => p.containerPort)).toContain(port);
    const service = k8s.find((d) => d.kind === 'Service')!;
    expect(service.spec.ports[0].targetPort).toBe(port);
  });

  it('the image runs the built CLI, and the compose and k8s commands are CLI commands', () => {
    const entry = /^ENTRYPOINT\s+(\[.*\])$/m.exec(read('deploy/Dockerfile'));
    expect(JSON.parse(entry![1])).toEqual(['node', pkg.bin.layerlens]);
    const help = read('src/cli.ts');
    const commands = [
      ...k8s.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).map((c: Doc) => c.args[0])),
      ...Object.values(compose.services as Record<string, Doc>).flatMap((s) => (s.build ? [s.command[0]] : [])),
    ];
    expect(commands.length).toBeGreaterThan(2);
    // Each command is an entry of cli.ts's COMMANDS table (one file per command under src/cli/).
    for (const c of commands) expect(help).toMatch(new RegExp(`^  ${c}: async \\(\\) => `, 'm'));
  });

  it('redis runs with AOF and noeviction (BullMQ loses jobs otherwise)', () => {
    const cmd = (compose.services.redis.command as string[]).join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
  });

  it('the worker outlives the shutdown bound before Kubernetes kills it', () => {
    const worker = k8s.find((d) => d.kind === 'Deployment' && d.metadata.name === 'layerlens-worker')!;
    const { operations } = loadConfig({});
    expect(worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(operations.shutdownGraceMs + 5_000);
  });
});
