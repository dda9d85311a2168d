/**
 * Where registry credentials come from: layerlens' own per-registry file (LAYERLENS_REGISTRY_CREDENTIALS) first, then
 * the Docker CLI's config.json (`DOCKER_CONFIG` or `~/.docker/config.json`): `credHelpers` for the registry, else
 * `credsStore`, else `auths` (a base64 `auth`, `username`/`password`, or an `identitytoken`). Credentials stay in
 * this process: they are never logged and never put into job payloads.
 */
import { readFileSync } from 'node:fs';
import type { Credential } from './credential.js';
import { runCredentialHelper } from './credential-helper.js';

export type { Credential } from './credential.js';

/** Async because a credential helper is a process; stores cache what they found. */
export interface CredentialStore {
  get(registry: string): Promise<Credential | undefined> | Credential | undefined;
}

export class StaticCredentials implements CredentialStore {
  constructor(private readonly entries: Record<string, Credential>) {}
  get(registry: string): Credential | undefined {
    return this.entries[registry];
  }
}

export const NO_CREDENTIALS: CredentialStore = { get: () => undefined };

type AuthEntry = { auth?: string; username?: string; password?: string; identitytoken?: string };

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** One `auths` entry → a Credential; undefined when it holds nothing usable. */
export function credentialFromEntry(entry: AuthEntry): Credential | undefined {
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
  return cred.username || cred.identityToken ? cred : undefined;
}

export interface DockerConfigOptions {
  /** Environment of credential helpers (PATH decides which `docker-credential-*` runs). */
  env?: NodeJS.ProcessEnv;
  helperTimeoutMs?: number;
}

/** Reads the Docker CLI config once; a missing or unreadable file means "anonymous". */
export class DockerConfigCredentials implements CredentialStore {
  private readonly entries = new Map<string, Credential>();
  private readonly helpers = new Map<string, string>();
  private store?: string;
  /** Helper answers, per registry, for the life of this process (helpers can be slow: keychains, cloud CLIs). */
  private readonly fromHelpers = new Map<string, Promise<Credential | undefined>>();

  /** `path`: Config.dockerConfigPath (DOCKER_CONFIG or ~/.docker/config.json, resolved by loadConfig). */
  constructor(path: string, private readonly options: DockerConfigOptions = {}) {
    let doc: DockerConfigFile;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as DockerConfigFile;
    } catch {
      return;
    }
    for (const [key, entry] of Object.entries(doc.auths ?? {})) {
      const cred = credentialFromEntry(entry);
      if (cred) this.entries.set(normaliseConfigKey(key), cred);
    }
    for (const [key, helper] of Object.entries(doc.credHelpers ?? {})) {
      if (typeof helper === 'string' && helper) this.helpers.set(normaliseConfigKey(key), helper);
    }
    if (typeof doc.credsStore === 'string' && doc.credsStore) this.store = doc.credsStore;
  }

  get(registry: string): Promise<Credential | undefined> | Credential | undefined {
    // The Docker CLI's order: a registry's own helper, else the default store, else the plain `auths` entry.
    const helper = this.helpers.get(registry) ?? this.store;
    if (!helper) return this.entries.get(registry);
    let pending = this.fromHelpers.get(registry);
    if (!pending) {
      pending = runCredentialHelper(helper, helperServerUrl(registry), {
        env: this.options.env,
        timeoutMs: this.options.helperTimeoutMs,
      }).then((found) => found ?? this.entries.get(registry));
      // A failure is not cached: the next analysis may find the helper installed or the keychain unlocked.
      pending.catch(() => this.fromHelpers.delete(registry));
      this.fromHelpers.set(registry, pending);
    }
    return pending;
  }
}

/** Docker Hub's credentials are stored under its legacy index URL; every other registry under its host. */
function helperServerUrl(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`. */
export function normaliseConfigKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/**
 * LAYERLENS_REGISTRY_CREDENTIALS: a path to a JSON file or the JSON itself (text starting with `{`), mapping registry
 * hosts to `{username, password}`, `{auth}` (base64 `user:password`) or `{identitytoken}` — the shape of an `auths`
 * entry of Docker's config.json, so `{"auths": {…}}` is accepted as well. Invalid input fails at boot (a plain Error, like
 * other configuration errors), with a message that never quotes the content.
 */
export class LayerlensCredentials implements CredentialStore {
  private readonly entries = new Map<string, Credential>();

  constructor(setting: string) {
    const inline = setting.trimStart().startsWith('{');
    let doc: unknown;
    try {
      doc = JSON.parse(inline ? setting : readFileSync(setting, 'utf8'));
    } catch (e) {
      const where = inline ? 'the inline JSON' : `the file ${setting}`;
      throw new Error(`LAYERLENS_REGISTRY_CREDENTIALS: cannot read ${where} (${(e as { code?: string }).code ?? (e as Error).name})`);
    }
    const map = (isRecord(doc) && isRecord(doc.auths) ? doc.auths : doc) as Record<string, unknown>;
    if (!isRecord(map)) throw new Error('LAYERLENS_REGISTRY_CREDENTIALS must be a JSON object keyed by registry host');
    for (const [key, entry] of Object.entries(map)) {
      const cred = isRecord(entry) ? credentialFromEntry(entry as AuthEntry) : undefined;
      if (!cred) {
        throw new Error(`LAYERLENS_REGISTRY_CREDENTIALS: the entry for ${key} has no username, auth or identitytoken`);
      }
      this.entries.set(normaliseConfigKey(key), cred);
    }
  }

  get(registry: string): Credential | undefined {
    return this.entries.get(registry);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export class ChainedCredentials implements CredentialStore {
  constructor(private readonly stores: CredentialStore[]) {}
  async get(registry: string): Promise<Credential | undefined> {
    for (const s of this.stores) {
      const c = await s.get(registry);
      if (c) return c;
    }
    return undefined;
  }
}
