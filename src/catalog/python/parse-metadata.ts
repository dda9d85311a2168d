/**
 * Core metadata (METADATA, PKG-INFO, an egg-info file): email-style headers, then the long description as body.
 * Only the header block is read; multiple-use fields (Classifier, Requires-Dist) keep every value.
 */
import { field, fieldsNamed, oneLine, parseParagraphs } from '../rfc822.js';

export interface PythonMetadata {
  name?: string;
  version?: string;
  summary?: string;
  homePage?: string;
  author?: string;
  license?: string;
  licenseExpression?: string;
  classifiers: string[];
  requiresDist: string[];
}

export function parsePythonMetadata(text: string): { metadata: PythonMetadata; warnings: string[] } {
  const { paragraphs, warnings } = parseParagraphs(text, { firstOnly: true });
  const p = paragraphs[0] ?? { line: 1, fields: [] };
  const single = (name: string) => oneLine(field(p, name)) || undefined;
  const metadata: PythonMetadata = {
    name: single('Name'),
    version: single('Version'),
    summary: single('Summary'),
    homePage: single('Home-page'),
    author: single('Author') ?? single('Author-email'),
    // Kept multi-line on purpose: a License spanning lines is a pasted license text, not a declaration.
    license: field(p, 'License')?.trim() || undefined,
    licenseExpression: single('License-Expression'),
    classifiers: fieldsNamed(p, 'Classifier').map((v) => v.trim()),
    requiresDist: fieldsNamed(p, 'Requires-Dist').map((v) => oneLine(v) ?? '').filter(Boolean),
  };
  return { metadata, warnings };
}
