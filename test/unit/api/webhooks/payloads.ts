/**
 * Sample payloads of each sender, written after their public documentation (field names and nesting as documented;
 * values made up): distribution's notification envelope (docs/notifications.md of distribution/distribution),
 * Harbor's webhook page (Default and CloudEvents formats), GitHub's registry_package webhook schema, Docker Hub's
 * "Example webhook payload" and Red Hat Quay's "Repository Push" notification.
 */
export const D1 = `sha256:${'1'.repeat(64)}`;
export const D2 = `sha256:${'2'.repeat(64)}`;

export function distributionEnvelope(events: object[]) {
  return { events };
}

export function distributionEvent(action: string, target: Record<string, unknown>, host = 'registry.example.com:5000') {
  return {
    id: 'asdf-asdf-asdf-asdf-0',
    timestamp: '2024-09-06T11:35:00.000Z',
    action,
    target: { size: 524, length: 524, url: `http://${host}/v2/${String(target.repository)}/manifests/${String(target.digest)}`, ...target },
    request: { id: 'asdfasdf', addr: '10.0.0.5:41234', host, method: action === 'push' ? 'PUT' : 'GET', useragent: 'skopeo/1.13' },
    actor: {},
    source: { addr: 'registry-0:5000', instanceID: '12345678-1234-1234-1234-123456789012' },
  };
}

export const harborDefault = {
  type: 'PUSH_ARTIFACT',
  occur_at: 1725622500,
  operator: 'admin',
  event_data: {
    resources: [{ digest: D1, tag: '1.27', resource_url: 'harbor.example.com/library/nginx:1.27' }],
    repository: { date_created: 1725622400, name: 'nginx', namespace: 'library', repo_full_name: 'library/nginx', repo_type: 'private' },
  },
};

export const harborCloudEvents = {
  specversion: '1.0',
  requestid: '6b3e4b4e-3f1d-4f3a-9f5e-0c2c9a0e1b2c',
  id: 'f0e2b5a4-7c1d-4b8e-8d6a-2f9c3e4d5a6b',
  source: '/projects/2/webhook/policies/7',
  type: 'harbor.artifact.pushed',
  datacontenttype: 'application/json',
  time: '2024-09-06T11:35:00Z',
  data: {
    resources: [{ digest: D2, tag: 'v2', resource_url: 'harbor.example.com/team/app:v2' }],
    repository: { date_created: 1725622400, name: 'app', namespace: 'team', repo_full_name: 'team/app', repo_type: 'public' },
  },
  operator: 'robot$team+ci',
};

export const harborPull = { ...harborDefault, type: 'PULL_ARTIFACT' };

export const githubPublished = {
  action: 'published',
  registry_package: {
    id: 123456,
    name: 'app',
    namespace: 'Octo-Org',
    description: '',
    ecosystem: 'CONTAINER',
    package_type: 'CONTAINER',
    html_url: 'https://github.com/orgs/Octo-Org/packages/container/package/app',
    created_at: '2024-09-06T11:35:00Z',
    updated_at: '2024-09-06T11:35:00Z',
    owner: { login: 'Octo-Org', id: 1, type: 'Organization' },
    package_version: {
      id: 654321,
      version: D1,
      name: D1,
      description: '',
      summary: '',
      html_url: 'https://github.com/orgs/Octo-Org/packages/container/app/654321',
      installation_command: 'docker pull ghcr.io/octo-org/app:1.2.3',
      package_url: 'ghcr.io/octo-org/app:1.2.3',
      metadata: [],
      package_files: [],
      container_metadata: { tag: { name: '1.2.3', digest: D1 }, labels: {}, manifest: {} },
    },
    registry: { about_url: 'https://docs.github.com/packages', name: 'GitHub CONTAINER registry', type: 'CONTAINER', url: 'https://ghcr.io/octo-org', vendor: 'GitHub Inc' },
  },
  sender: { login: 'octocat', id: 2, type: 'User' },
};

export const dockerHubPush = {
  callback_url: 'https://registry.hub.docker.com/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
  push_data: { pushed_at: 1417566161, pusher: 'trustedbuilder', tag: 'latest' },
  repository: {
    comment_count: 0,
    date_created: 1417494799,
    description: '',
    full_description: 'Docker Hub based automated build from a GitHub repo',
    is_official: false,
    is_private: true,
    is_trusted: true,
    name: 'testhook',
    namespace: 'svendowideit',
    owner: 'svendowideit',
    repo_name: 'svendowideit/testhook',
    repo_url: 'https://registry.hub.docker.com/u/svendowideit/testhook/',
    star_count: 0,
    status: 'Active',
  },
};

export const quayPush = {
  name: 'repository',
  repository: 'dgangaia/test',
  namespace: 'dgangaia',
  docker_url: 'quay.io/dgangaia/test',
  homepage: 'https://quay.io/repository/dgangaia/repository',
  updated_tags: ['latest', 'v1'],
};
