/**
 * `oci-archive:PATH[:REF|@sha256:…]`: a tar of an OCI image layout (what `skopeo copy … oci-archive:FILE` and
 * `buildah push … oci-archive:` write), read in place through the tar index — never extracted.
 */
import type { Limits } from '../config.js';
import { listLayoutImages, openLayoutImage, splitLayoutArgument, type LayoutOpenOptions, type LayoutStore } from './oci-layout-source.js';
import type { ImageSource } from './source.js';
import { TarArchive } from './tar-index.js';

export function archiveStore(archive: TarArchive): LayoutStore {
  return {
    async readFile(rel, limit) {
      const m = archive.find(rel);
      return m ? archive.read(m, limit, archive.path) : undefined;
    },
    openFile(rel) {
      const m = archive.find(rel);
      return m ? archive.stream(m) : undefined;
    },
  };
}

export async function openOciArchive(arg: string, options: LayoutOpenOptions = {}): Promise<ImageSource> {
  const { dir: file, ...selector } = splitLayoutArgument(arg);
  const name = `oci-archive:${arg}`;
  return openLayoutImage(archiveStore(await TarArchive.open(file, name)), selector, name, options);
}

/** `oci-archive:FILE@sha256:…` for every image platform of the archive's selected entry. */
export async function listOciArchiveImages(arg: string, limits?: Limits): Promise<string[]> {
  const { dir: file, ...selector } = splitLayoutArgument(arg);
  const digests = await listLayoutImages(archiveStore(await TarArchive.open(file, `oci-archive:${arg}`)), selector, `oci-archive:${arg}`, limits);
  return digests.map((d) => `oci-archive:${file}@${d}`);
}
