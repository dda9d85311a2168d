/**
 * Which operating system an image is: `etc/os-release`, then `usr/lib/os-release` (systemd's order), falling back
 * to `etc/alpine-release` and `etc/debian_version` for images that ship neither.
 */
import type { Distro } from '../../sbom/distro.js';
import type { FileLookup } from '../cataloger.js';

export const OS_RELEASE_GLOBS = ['etc/os-release', 'usr/lib/os-release', 'etc/alpine-release', 'etc/debian_version'] as const;

export function detectDistro(files: FileLookup): Distro | undefined {
  for (const location of ['etc/os-release', 'usr/lib/os-release']) {
    const body = files.get(location);
    if (!body) continue;
    const fields = parseOsRelease(body.toString('utf8'));
    if (!fields.ID) continue;
    return {
      id: fields.ID.toLowerCase(),
      versionId: fields.VERSION_ID || undefined,
      prettyName: fields.PRETTY_NAME || undefined,
      name: fields.NAME || undefined,
      idLike: fields.ID_LIKE ? fields.ID_LIKE.split(/\s+/).filter(Boolean) : undefined,
      versionCodename: fields.VERSION_CODENAME || undefined,
      location,
    };
  }
  const alpine = files.get('etc/alpine-release')?.toString('utf8').trim();
  if (alpine && /^[\w.+~-]+$/.test(alpine)) {
    return { id: 'alpine', versionId: alpine, prettyName: `Alpine Linux v${alpine}`, location: 'etc/alpine-release' };
  }
  const debian = files.get('etc/debian_version')?.toString('utf8').trim();
  if (debian && /^[\w.+~/-]+$/.test(debian)) {
    // "12.7" → VERSION_ID "12", as Debian's os-release has it; "bookworm/sid" has no number.
    const major = /^(\d+)/.exec(debian)?.[1];
    return { id: 'debian', versionId: major, prettyName: `Debian GNU/Linux ${debian}`, location: 'etc/debian_version' };
  }
  return undefined;
}

/** KEY=value lines with shell-style quoting, as os-release(5) specifies. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

function unquote(v: string): string {
  const q = v[0];
  if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) {
    const inner = v.slice(1, -1);
    return q === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}
