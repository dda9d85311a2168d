/**
 * The registry client as the processes configure it: credentials from LAYERLENS_REGISTRY_CREDENTIALS, then Docker's
 * config.json; plain HTTP only where listed; the SSRF guard on unless private registries are allowed (the CLI allows
 * them: it runs on the user's own machine, where a registry on localhost is the normal case).
 */
import type { Config } from '../config.js';
import { RegistryClient } from './client.js';
import { ChainedCredentials, DockerConfigCredentials, LayerlensCredentials, type CredentialStore } from './credentials.js';

export function registryClientFromConfig(
  config: Config,
  options: { plainHttpLoopback?: boolean; allowPrivateAddresses?: boolean } = {},
): RegistryClient {
  const stores: CredentialStore[] = [];
  if (config.registryCredentials) stores.push(new LayerlensCredentials(config.registryCredentials));
  stores.push(new DockerConfigCredentials(config.dockerConfigPath));
  return new RegistryClient({
    credentials: new ChainedCredentials(stores),
    insecureRegistries: config.insecureRegistries,
    allowedRegistries: config.allowedRegistries,
    plainHttpLoopback: options.plainHttpLoopback ?? false,
    allowPrivateAddresses: options.allowPrivateAddresses ?? config.allowPrivateRegistries,
    limits: config.limits,
  });
}
