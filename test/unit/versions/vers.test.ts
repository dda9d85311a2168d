import { describe, expect, it } from 'vitest';
import { parseVers, versContains, VersError } from '../../../src/versions/vers.js';

const inRange = (range: string, version: string) => versContains(parseVers(range), version);

describe('vers ranges', () => {
  it('evaluates the forms the issue names, per ecosystem', () => {
    expect(inRange('vers:deb/<3.0.13-1~deb12u1', '3.0.11-1~deb12u2')).toBe(true);
    expect(inRange('vers:deb/<3.0.13-1~deb12u1', '3.0.13-1~deb12u1')).toBe(false);
    expect(inRange('vers:deb/<3.0.13-1~deb12u1', '3.0.13-1~deb12u0')).toBe(true);
    expect(inRange('vers:npm/>=4.0.0|<4.17.21', '4.17.20')).toBe(true);
    expect(inRange('vers:npm/>=4.0.0|<4.17.21', '3.10.1')).toBe(false);
    expect(inRange('vers:npm/>=4.0.0|<4.17.21', '4.17.21')).toBe(false);
    expect(inRange('vers:pypi/<2.32.0', '2.31.0')).toBe(true);
    expect(inRange('vers:pypi/<2.32.0', '2.32.0rc1')).toBe(true);
    expect(inRange('vers:apk/<3.3.2-r0', '3.3.1-r3')).toBe(true);
    expect(inRange('vers:apk/<3.3.2-r0', '3.3.2-r1')).toBe(false);
  });

  it('follows the spec: = and != first, then intervals in version order', () => {
    const r = 'vers:npm/1.2.3|>=2.0.0|<5.0.0|!=4.1.0|>=7.0.0';
    expect(inRange(r, '1.2.3')).toBe(true);
    expect(inRange(r, '1.2.4')).toBe(false);
    expect(inRange(r, '3.0.0')).toBe(true);
    expect(inRange(r, '4.1.0')).toBe(false);
    expect(inRange(r, '6.0.0')).toBe(false);
    expect(inRange(r, '8.0.0')).toBe(true);
    expect(inRange('vers:npm/*', '0.0.1')).toBe(true);
    expect(inRange('vers:npm/!=1.0.0', '1.0.1')).toBe(true);
    expect(inRange('vers:npm/!=1.0.0', '1.0.0')).toBe(false);
    // Constraints may come in any order; percent-encoded versions decode.
    expect(inRange('vers:npm/<4.17.21|>=4.0.0', '4.5.0')).toBe(true);
    expect(inRange('vers:deb/>=1%3A1.0', '1:1.1')).toBe(true);
  });

  it('says what is wrong with a bad range', () => {
    const error = (s: string) => {
      try {
        parseVers(s);
      } catch (e) {
        expect(e).toBeInstanceOf(VersError);
        return (e as Error).message;
      }
      throw new Error(`${s} was accepted`);
    };
    expect(error('npm/<1.0.0')).toMatch(/not a vers range/);
    expect(error('vers:cargo/<1.0.0')).toMatch(/scheme "cargo" is not supported/);
    expect(error('vers:npm/<not.a.version')).toMatch(/not a valid npm version/);
    expect(error('vers:npm/<1.0.0||>2.0.0')).toMatch(/empty constraint/);
    expect(error('vers:npm/*|<1.0.0')).toMatch(/only constraint/);
    expect(error('vers:pypi/<1.0|>=1.0.0')).toMatch(/more than one constraint/);
    expect(error(`vers:npm/${'<1.0.0|'.repeat(1000)}`)).toMatch(/longer than/);
  });
});
