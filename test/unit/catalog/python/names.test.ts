import { describe, expect, it } from 'vitest';
import { appliesByDefault, normalizePyName, parseRequirement, parseRequiresTxt } from '../../../../src/catalog/python/names.js';
import { pythonLicenses } from '../../../../src/catalog/python/license.js';

describe('python names and requirements', () => {
  it.each([
    ['Jinja2', 'jinja2'],
    ['typing_extensions', 'typing-extensions'],
    ['zope.interface', 'zope-interface'],
    ['A__b-.c', 'a-b-c'],
  ])('PEP 503: %s → %s', (n, want) => expect(normalizePyName(n)).toBe(want));

  it('parses PEP 508 requirements', () => {
    expect(parseRequirement('MarkupSafe (>=2.0)')).toEqual({ name: 'MarkupSafe' });
    expect(parseRequirement('coverage[toml] (>=5.3) ; extra == "cov"')).toEqual({ name: 'coverage', marker: 'extra == "cov"' });
    expect(parseRequirement('  ; junk')).toBeUndefined();
  });

  it('drops extras and other-platform requirements, keeps the rest', () => {
    expect(appliesByDefault(undefined)).toBe(true);
    expect(appliesByDefault('python_version < "3.8"')).toBe(true);
    expect(appliesByDefault("extra == 'tests'")).toBe(false);
    expect(appliesByDefault('(platform_python_implementation == "CPython") and extra == \'x\'')).toBe(false);
    expect(appliesByDefault('platform_system == "Windows"')).toBe(false);
    expect(appliesByDefault('sys_platform == "win32" or python_version < "3"')).toBe(true);
  });

  it('reads requires.txt sections as importlib does', () => {
    expect(parseRequiresTxt('MarkupSafe>=2.0\n\n[i18n]\nBabel>=2.7\n\n[:platform_system == "Windows"]\ncolorama\n\n[plugins:python_version < "3.8"]\nimportlib-metadata\n')).toEqual([
      'MarkupSafe>=2.0',
      'Babel>=2.7; extra == "i18n"',
      'colorama; (platform_system == "Windows")',
      'importlib-metadata; (python_version < "3.8") and extra == "plugins"',
    ]);
  });
});

describe('pythonLicenses', () => {
  it('prefers License-Expression, then a short License, then classifiers', () => {
    expect(pythonLicenses({ expression: 'MIT OR Apache-2.0', license: 'BSD', classifiers: [] })).toEqual(['MIT OR Apache-2.0']);
    expect(pythonLicenses({ license: 'BSD-3-Clause', classifiers: ['License :: OSI Approved :: MIT License'] })).toEqual(['BSD-3-Clause']);
    expect(pythonLicenses({ license: 'Copyright (c) 2020\n\nPermission is hereby granted…', classifiers: ['License :: OSI Approved :: MIT License'] })).toEqual(['MIT']);
    expect(pythonLicenses({ license: 'UNKNOWN', classifiers: ['License :: OSI Approved :: BSD License', 'License :: OSI Approved'] })).toEqual(['BSD License']);
    expect(pythonLicenses({ classifiers: ['License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)', 'Topic :: Utilities'] })).toEqual(['BSL-1.0']);
    expect(pythonLicenses({ classifiers: ['License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)'] })).toEqual(['GPL-2.0-or-later']);
  });
});
