import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../../../src/api/webhooks/detect.js';
import { mapRegistryHost } from '../../../../src/api/webhooks/registry-hosts.js';
import { D1, D2, distributionEnvelope, distributionEvent, dockerHubPush, githubPublished, harborCloudEvents, harborDefault, harborPull, quayPush } from './payloads.js';

const noHeaders = { get: () => undefined };
const github = (event: string) => ({ get: (n: string) => (n === 'x-github-event' ? event : undefined) });
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('webhook payloads', () => {
  it('distribution: counts only tagged manifest/index pushes; blobs, pulls, deletes, mounts and untagged children are ignored', () => {
    const body = distributionEnvelope([
      distributionEvent('push', { mediaType: 'application/octet-stream', digest: D2, repository: 'team/app' }),
      distributionEvent('push', { mediaType: OCI_MANIFEST, digest: D2, repository: 'team/app' }),
      distributionEvent('push', { mediaType: OCI_INDEX, digest: D1, repository: 'team/app', tag: '1.0' }),
      distributionEvent('pull', { mediaType: OCI_MANIFEST, digest: D2, repository: 'team/app', tag: '1.0' }),
      distributionEvent('delete', { digest: D2, repository: 'team/app' }),
      distributionEvent('mount', { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D2, repository: 'team/app' }),
      distributionEvent('push', { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: D2, repository: 'other/x', tag: 'latest' }, 'registry:5000'),
    ]);
    const parsed = parseWebhook(noHeaders, body)!;
    expect(parsed.sender).toBe('distribution');
    expect(parsed.events).toEqual([
      { registry: 'registry.example.com:5000', repository: 'team/app', tag: '1.0', digest: D1 },
      { registry: 'registry:5000', repository: 'other/x', tag: 'latest', digest: D2 },
    ]);
    expect(parsed.ignored).toHaveLength(5);
    expect(parsed.ignored.join('\n')).toContain('untagged');
  });

  it('distribution: malformed names and cosign signature tags never become references', () => {
    const parsed = parseWebhook(noHeaders, distributionEnvelope([
      distributionEvent('push', { mediaType: OCI_MANIFEST, digest: D1, repository: 'Team/../app', tag: '1' }),
      distributionEvent('push', { mediaType: OCI_MANIFEST, digest: D1, repository: 'team/app', tag: `sha256-${'a'.repeat(64)}.sig` }),
      distributionEvent('push', { mediaType: OCI_MANIFEST, digest: 'md5:abc', repository: 'team/app', tag: '1' }),
    ]))!;
    expect(parsed.events).toEqual([]);
    expect(parsed.ignored).toHaveLength(3);
  });

  it('harbor: PUSH_ARTIFACT in the Default and the CloudEvents format; other event types are ignored', () => {
    expect(parseWebhook(noHeaders, harborDefault)).toEqual({
      sender: 'harbor',
      events: [{ registry: 'harbor.example.com', repository: 'library/nginx', tag: '1.27', digest: D1 }],
      ignored: [],
    });
    expect(parseWebhook(noHeaders, harborCloudEvents)!.events).toEqual([{ registry: 'harbor.example.com', repository: 'team/app', tag: 'v2', digest: D2 }]);
    const pull = parseWebhook(noHeaders, harborPull)!;
    expect(pull.events).toEqual([]);
    expect(pull.ignored).toEqual(['PULL_ARTIFACT event']);
  });

  it('github: a published container version becomes a ghcr.io push with tag and digest; other packages and actions are ignored', () => {
    expect(parseWebhook(github('registry_package'), githubPublished)!.events).toEqual([{ registry: 'ghcr.io', repository: 'octo-org/app', tag: '1.2.3', digest: D1 }]);
    const npm = structuredClone(githubPublished);
    npm.registry_package.package_type = 'npm';
    npm.registry_package.ecosystem = 'npm';
    expect(parseWebhook(github('registry_package'), npm)!.ignored).toEqual(['npm package']);
    expect(parseWebhook(github('registry_package'), { ...githubPublished, action: 'deleted' })!.ignored).toEqual(['registry_package deleted']);
    expect(parseWebhook(github('ping'), { zen: 'Keep it logically awesome.' })!.ignored).toEqual(['ping event']);
    const untagged = structuredClone(githubPublished);
    untagged.registry_package.package_version.container_metadata.tag.name = '';
    expect(parseWebhook(github('registry_package'), untagged)!.events).toEqual([]);
  });

  it('docker hub and quay: tag-only events (the digest is resolved later)', () => {
    expect(parseWebhook(noHeaders, dockerHubPush)!.events).toEqual([{ registry: 'docker.io', repository: 'svendowideit/testhook', tag: 'latest' }]);
    expect(parseWebhook(noHeaders, quayPush)!.events).toEqual([
      { registry: 'quay.io', repository: 'dgangaia/test', tag: 'latest' },
      { registry: 'quay.io', repository: 'dgangaia/test', tag: 'v1' },
    ]);
    // Early quay.io payloads sent updated_tags as {tag: image id}.
    expect(parseWebhook(noHeaders, { ...quayPush, updated_tags: { latest: 'b750fe79269d' } })!.events).toEqual([{ registry: 'quay.io', repository: 'dgangaia/test', tag: 'latest' }]);
  });

  it('refuses bodies no sender writes', () => {
    expect(parseWebhook(noHeaders, { hello: 'world' })).toBeUndefined();
    expect(parseWebhook(noHeaders, [1, 2])).toBeUndefined();
  });

  it('maps registry hosts: from=to renames, a bare entry is the default for events without a host', () => {
    const entries = ['registry:5000=registry.example.com', 'fallback.example.com'];
    expect(mapRegistryHost('registry:5000', entries)).toBe('registry.example.com');
    expect(mapRegistryHost('REGISTRY:5000', entries)).toBe('registry.example.com');
    expect(mapRegistryHost('other:1', entries)).toBe('other:1');
    expect(mapRegistryHost(undefined, entries)).toBe('fallback.example.com');
    expect(mapRegistryHost(undefined, [])).toBeUndefined();
  });
});
