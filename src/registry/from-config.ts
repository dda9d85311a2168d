/** The registry client as the service configures it: credentials from Docker's config.json, plain HTTP only where listed. */
import type { Config } from '../config.js';
import { RegistryClient } from './client.js';
import { DockerConfigCredentials } from './credentials.js';

export function registryClientFromConfig(config: Config, options: { plainHttpLoopback?: boolean } = {}): RegistryClient {
  return new RegistryClient({
    credentials: new DockerConfigCredentials(),
    insecureRegistries: config.insecureRegistries,
    allowedRegistries: config.allowedRegistries,
    plainHttpLoopback: options.plainHttpLoopback ?? false,
    limits: config.limits,
  });
}
