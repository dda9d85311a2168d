/**
 * Docker credential helpers (`docker-credential-NAME get`): the registry's server URL on stdin, a JSON
 * `{ServerURL, Username, Secret}` on stdout. `Username: "<token>"` means Secret is an identity (refresh) token.
 * "credentials not found" is an answer (anonymous), not a failure; a helper that is missing, hangs or crashes is an
 * UNAUTHORIZED failure naming the helper. Secrets are never included in errors, not even the helper's stderr.
 */
import { spawn } from 'node:child_process';
import { LayerlensError } from '../errors.js';
import type { Credential } from './credential.js';

const MAX_OUTPUT = 64 * 1024;

export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  const step = `read credentials with ${program}`;
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new LayerlensError('UNAUTHORIZED', `credential helper name ${JSON.stringify(helper)} is not a plain program name`, { step, retryable: false });
  }
  const { code, stdout, spawnError } = await new Promise<{ code: number | null; stdout: string; spawnError?: NodeJS.ErrnoException }>((resolve) => {
    const child = spawn(program, ['get'], { env: options.env /* undefined: the process's own environment */, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < MAX_OUTPUT) out += d.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: '', spawnError: e });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout: out });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
  if (spawnError) {
    const why = spawnError.code === 'ENOENT' ? 'is not installed (not found on PATH)' : `cannot be run (${spawnError.code ?? spawnError.message})`;
    throw new LayerlensError('UNAUTHORIZED', `credential helper ${program}, configured in Docker's config.json, ${why}`, { step, retryable: false });
  }
  if (code !== 0) {
    // The helpers' protocol reports a missing entry as exit 1 with this text on stdout.
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new LayerlensError('UNAUTHORIZED', `credential helper ${program} failed (exit ${code ?? 'killed: timeout'})`, { step, retryable: false });
  }
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    throw new LayerlensError('UNAUTHORIZED', `credential helper ${program} answered with something other than JSON`, { step, retryable: false });
  }
  const username = typeof doc.Username === 'string' ? doc.Username : '';
  const secret = typeof doc.Secret === 'string' ? doc.Secret : '';
  if (!secret) return undefined;
  return username === '<token>' ? { identityToken: secret } : { username, password: secret };
}
