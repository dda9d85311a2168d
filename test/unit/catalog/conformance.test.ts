/** Every cataloger of CATALOGERS runs the shared conformance suite (test/support/cataloger-conformance.ts). */
import { describe, expect, it } from 'vitest';
import { CATALOGERS } from '../../../src/catalog/catalogers.js';
import { catalogerConformance, fixtureImage, type ConformanceImage } from '../../support/cataloger-conformance.js';

/** The image each cataloger is checked on: real files, from test/fixtures/oci. */
const IMAGES: Record<string, () => Promise<ConformanceImage>> = {
  'apk-db-cataloger': () => fixtureImage('alpine-apk', { 'bin/busybox': 'busybox', 'etc/securetty': 'busybox' }),
  'dpkg-db-cataloger': () =>
    fixtureImage('debian-dpkg-python', { 'bin/hostname': 'hostname', 'usr/lib/python3/dist-packages/zipp-1.0.0.dist-info/METADATA': 'python3-zipp' }),
  'python-installed-cataloger': () => fixtureImage('debian-dpkg-python'),
  'npm-package-cataloger': () => fixtureImage('node-app'),
};

describe('cataloger conformance', () => {
  it('every cataloger has a conformance image', () => {
    expect(CATALOGERS.map((c) => c.name).filter((n) => !IMAGES[n])).toEqual([]);
  });
  for (const cataloger of CATALOGERS) {
    describe(cataloger.name, () => catalogerConformance(cataloger, IMAGES[cataloger.name] ?? (() => Promise.reject(new Error('no conformance image')))));
  }
});
