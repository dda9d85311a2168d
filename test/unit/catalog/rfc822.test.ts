import { describe, expect, it } from 'vitest';
import { field, fieldsNamed, firstLine, oneLine, parseParagraphs } from '../../../src/catalog/rfc822.js';

describe('parseParagraphs', () => {
  it('splits paragraphs on blank lines and joins continuation lines', () => {
    const { paragraphs, warnings } = parseParagraphs('Package: a\nDepends: b,\n c\n\n\nPackage: d\r\nDescription: short\n long\n .\n more\n');
    expect(warnings).toEqual([]);
    expect(paragraphs).toHaveLength(2);
    expect(oneLine(field(paragraphs[0], 'depends'))).toBe('b, c');
    expect(firstLine(field(paragraphs[1], 'Description'))).toBe('short');
    expect(field(paragraphs[1], 'Description')).toBe('short\nlong\n.\nmore');
    expect(paragraphs[1].line).toBe(6);
  });

  it('keeps repeated fields in order', () => {
    const { paragraphs } = parseParagraphs('Name: x\nClassifier: A\nClassifier: B\n');
    expect(fieldsNamed(paragraphs[0], 'classifier')).toEqual(['A', 'B']);
  });

  it('stops after the header block when asked and returns the body', () => {
    const r = parseParagraphs('Name: x\nVersion: 1\n\nName: not a header\n', { firstOnly: true });
    expect(r.paragraphs).toHaveLength(1);
    expect(r.body).toBe('Name: not a header\n');
  });

  it('warns about malformed lines, capped', () => {
    const r = parseParagraphs(' orphan continuation\nPackage: a\n' + 'garbage\n'.repeat(20));
    expect(r.paragraphs).toHaveLength(1);
    expect(r.warnings).toHaveLength(6);
    expect(r.warnings[5]).toMatch(/16 more malformed lines/);
  });
});
