/**
 * A distribution's license, in the order of reliability: PEP 639's License-Expression (SPDX by definition), the
 * License field when it is a short declaration (many projects paste the whole license text there), then trove
 * classifiers, mapped to SPDX where the classifier names exactly one license and version.
 */
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import { normaliseLicense } from '../../license/license.js';

const CLASSIFIERS: Record<string, string> = {
  'MIT License': 'MIT',
  'MIT No Attribution License (MIT-0)': 'MIT-0',
  'ISC License (ISCL)': 'ISC',
  'Python Software Foundation License': 'PSF-2.0',
  'The Unlicense (Unlicense)': 'Unlicense',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
  'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
  'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
  'Universal Permissive License (UPL)': 'UPL-1.0',
  'European Union Public Licence 1.2 (EUPL 1.2)': 'EUPL-1.2',
};

/** A License field longer than this, or on several lines, is a license text, not a declaration. */
const MAX_DECLARATION = 100;

export function pythonLicenses(fields: { expression?: string; license?: string; classifiers: readonly string[] }): string[] {
  const expression = fields.expression?.trim();
  if (expression) return normaliseLicense(expression);
  const declared = fields.license?.trim();
  if (declared && !declared.includes('\n') && declared.length <= MAX_DECLARATION && !/^unknown$/i.test(declared)) {
    return normaliseLicense(declared);
  }
  const out = new Set<string>();
  for (const c of fields.classifiers) {
    const parts = c.split('::').map((s) => s.trim());
    if (parts[0] !== 'License' || parts.length < 2) continue;
    const name = parts[parts.length - 1];
    // `License :: OSI Approved` alone says nothing about which license.
    if (name === 'OSI Approved') continue;
    out.add(classifierToSpdx(name) ?? name);
  }
  return [...out];
}

/** A known classifier, else an SPDX id given in parentheses (`Boost Software License 1.0 (BSL-1.0)`). */
function classifierToSpdx(name: string): string | undefined {
  const known = CLASSIFIERS[name];
  if (known) return known;
  const paren = /\(([A-Za-z0-9.+-]+)\)$/.exec(name)?.[1];
  const id = paren ? SPDX.fixupSpdxId(paren) : undefined;
  return id && SPDX.isSupportedSpdxId(id) ? id : undefined;
}
