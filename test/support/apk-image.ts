/** A tiny Alpine-like image (os-release + an apk database of one package) for service tests that need real SBOMs fast. */
import { buildImage, tarLayer, type BuiltImage } from './image-builder.js';

export async function apkImage(pkg: string, version = '1.0-r0', options: { architecture?: string } = {}): Promise<BuiltImage> {
  const layer = await tarLayer([
    { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.3\nNAME="Alpine Linux"\n' },
    { path: 'lib/apk/db/installed', content: `C:Q1abc=\nP:${pkg}\nV:${version}\nA:x86_64\nL:MIT\no:${pkg}\n\n` },
  ]);
  return buildImage([{ bytes: layer, createdBy: `apk add ${pkg}` }], { architecture: options.architecture ?? 'amd64' });
}
