import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');
export const hasCorpus = existsSync(resolve(corpusDir, 'README.md'));
export const corpusSkipMessage = `../shared/corpus not found at ${corpusDir}: corpus-based tests are skipped`;
if (!hasCorpus) console.warn(corpusSkipMessage);

export function corpus(rel: string): string {
  return resolve(corpusDir, rel);
}
