/**
 * Where registry credentials come from: explicit entries first, then the Docker CLI's config.json (`DOCKER_CONFIG`
 * or `~/.docker/config.json`, `auths` with a base64 `auth` or an `identitytoken`). Credentials stay in this process:
 * they are never logged and never put into job payloads.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
}

export interface CredentialStore {
  get(registry: string): Credential | undefined;
}

export class StaticCredentials implements CredentialStore {
  constructor(private readonly entries: Record<string, Credential>) {}
  get(registry: string): Credential | undefined {
    return this.entries[registry];
  }
}

export const NO_CREDENTIALS: CredentialStore = { get: () => undefined };

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** Reads the Docker CLI config once; a missing or unreadable file means "anonymous". */
export class DockerConfigCredentials implements CredentialStore {
  private readonly entries = new Map<string, Credential>();

  constructor(path = defaultDockerConfigPath()) {
    let doc: DockerConfigFile;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as DockerConfigFile;
    } catch {
      return;
    }
    for (const [key, entry] of Object.entries(doc.auths ?? {})) {
      const registry = normaliseConfigKey(key);
      const cred: Credential = {};
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) {
          cred.username = decoded.slice(0, i);
          cred.password = decoded.slice(i + 1);
        }
      }
      if (entry.username) cred.username = entry.username;
      if (entry.password) cred.password = entry.password;
      if (entry.identitytoken) cred.identityToken = entry.identitytoken;
      if (cred.username || cred.identityToken) this.entries.set(registry, cred);
    }
  }

  get(registry: string): Credential | undefined {
    return this.entries.get(registry);
  }
}

export function defaultDockerConfigPath(): string {
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`. */
export function normaliseConfigKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export class ChainedCredentials implements CredentialStore {
  constructor(private readonly stores: CredentialStore[]) {}
  get(registry: string): Credential | undefined {
    for (const s of this.stores) {
      const c = s.get(registry);
      if (c) return c;
    }
    return undefined;
  }
}
