/**
 * The bench's images: corpus layers (gzip blobs as shipped) plus the generated large layers, pushed into the test
 * registry the bench starts. Image names are stable so results from different runs line up.
 */
import { buildImage, pushImage, tarLayer, type BuiltImage, type LayerBlob } from '../test/support/image-builder.js';
import { corpus } from '../test/support/paths.js';
import { bigFilesLayer, generateLayer, manyFilesLayer, toolchainLayer } from './generate.js';

export interface BenchImage {
  /** Short name used in the table. */
  name: string;
  repo: string;
  tag: string;
  built: BuiltImage;
  /** Σ compressed layer sizes. */
  compressed: number;
  /** Σ uncompressed tar bytes (computed by the floor). */
  description: string;
}

const ALPINE = corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz');
const DEBIAN = corpus('debian/debian-bookworm-minbase-rootfs.tar.gz');
const PYTHON = corpus('debian/debian-bookworm-python-layer.tar.gz');
const NPM = corpus('npm-app-layer.tar.gz');

export const BENCH_IMAGE_NAMES = ['alpine-3.19', 'debian-python', 'alpine-npm', 'debian-toolchain', 'files-500k', 'big-1gib'];

/** All bench images, or only those named in `only` (BENCH_IMAGES); layers of images left out are not generated. */
export async function buildBenchImages(registryUrl: string, cacheDir: string, quick: boolean, log: (m: string) => void, only?: readonly string[]): Promise<BenchImage[]> {
  const unknown = only?.filter((name) => !BENCH_IMAGE_NAMES.includes(name)) ?? [];
  if (unknown.length) throw new Error(`BENCH_IMAGES: unknown image(s) ${unknown.join(', ')} (known: ${BENCH_IMAGE_NAMES.join(', ')})`);
  const wanted = (name: string) => !only || only.includes(name);
  const specs: { name: string; repo: string; layers: LayerBlob[]; description: string }[] = [
    { name: 'alpine-3.19', repo: 'bench/alpine', layers: [{ file: ALPINE, createdBy: 'ADD alpine-minirootfs /' }], description: 'Alpine 3.19 (1 layer)' },
    {
      name: 'debian-python',
      repo: 'bench/debian-python',
      layers: [
        { file: DEBIAN, createdBy: 'ADD minbase /' },
        { file: PYTHON, createdBy: 'RUN apt-get install python3-…' },
      ],
      description: 'Debian 12 minbase + python layer',
    },
    {
      name: 'alpine-npm',
      repo: 'bench/alpine-npm',
      layers: [
        { file: ALPINE, createdBy: 'ADD alpine-minirootfs /' },
        { file: NPM, createdBy: 'COPY app /app' },
      ],
      description: 'Alpine 3.19 + npm app layer',
    },
  ];
  if (wanted('debian-toolchain')) {
    // Issue 21's shape: several layers, a large dpkg status, ~10 000 files of a compiler toolchain's sizes.
    const toolchain = await generateLayer(cacheDir, 'toolchain-10k', toolchainLayer(), log);
    specs.push({
      name: 'debian-toolchain',
      repo: 'bench/debian-toolchain',
      layers: [
        { file: DEBIAN, createdBy: 'ADD minbase /' },
        { file: PYTHON, createdBy: 'RUN apt-get install python3-…' },
        { file: toolchain.file, createdBy: 'RUN apt-get install gcc g++ …' },
      ],
      description: 'Debian + python + a toolchain layer (~10 000 files)',
    });
  }
  if (wanted('files-500k')) {
    const many = await generateLayer(cacheDir, 'many-files-500k', manyFilesLayer(500, 1000), log);
    specs.push({
      name: 'files-500k',
      repo: 'bench/files-500k',
      layers: [
        { file: ALPINE, createdBy: 'ADD alpine-minirootfs /' },
        { file: many.file, createdBy: 'COPY data /srv/data' },
      ],
      description: 'Alpine + a layer of 500 000 small files',
    });
  }
  if (!quick && wanted('big-1gib')) {
    const big = await generateLayer(cacheDir, 'big-1gib', bigFilesLayer(4, 256 * 1024 * 1024), log);
    specs.push({
      name: 'big-1gib',
      repo: 'bench/big-1gib',
      layers: [
        { file: DEBIAN, createdBy: 'ADD minbase /' },
        { file: PYTHON, createdBy: 'RUN apt-get install python3-…' },
        { file: big.file, createdBy: 'COPY blob /opt/blob' },
      ],
      description: 'Debian + python + a 1 GiB layer (4 files)',
    });
  }
  const out: BenchImage[] = [];
  for (const s of specs.filter((spec) => wanted(spec.name))) {
    const built = await buildImage(s.layers);
    await pushImage(registryUrl, s.repo, 'bench', built);
    out.push({ name: s.name, repo: s.repo, tag: 'bench', built, compressed: built.layers.reduce((a, l) => a + l.size, 0), description: s.description });
  }
  return out;
}

/** A Debian image sharing the minbase layer with debian-python: with the cache warm it should download only its own layer. */
export async function pushSharedBaseImage(registryUrl: string): Promise<BenchImage> {
  // Its own layer is made here (a few MB of files), so no other bench image has cached it.
  const own = await tarLayer(Array.from({ length: 64 }, (_, i) => ({ path: `app/data/${i}.txt`, content: `shared-base ${i} `.repeat(4096) })));
  const built = await buildImage([
    { file: DEBIAN, createdBy: 'ADD minbase /' },
    { bytes: own, createdBy: 'COPY app /app' },
  ]);
  await pushImage(registryUrl, 'bench/debian-npm', 'bench', built);
  return { name: 'debian-npm', repo: 'bench/debian-npm', tag: 'bench', built, compressed: built.layers.reduce((a, l) => a + l.size, 0), description: 'Debian minbase + an app layer of its own' };
}

/** `count` distinct small images: Alpine plus one tiny layer each (their own file), for the throughput run. */
export async function pushSmallImages(registryUrl: string, count: number): Promise<string[]> {
  const refs: string[] = [];
  for (let i = 0; i < count; i++) {
    const layer = await tarLayer([{ path: `etc/bench-${i}.txt`, content: `image ${i}\n` }]);
    const built = await buildImage([{ file: ALPINE }, { bytes: layer }], { created: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z` });
    await pushImage(registryUrl, `bench/small-${i}`, 'bench', built);
    refs.push(`bench/small-${i}:bench`);
  }
  return refs;
}

