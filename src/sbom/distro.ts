/** The operating system of an image, as os-release describes it. */
export interface Distro {
  /** `alpine`, `debian`, `ubuntu` … (os-release ID). */
  id: string;
  /** `3.20.3`, `12` (VERSION_ID); absent on rolling releases. */
  versionId?: string;
  prettyName?: string;
  name?: string;
  idLike?: string[];
  versionCodename?: string;
  /** The file it was read from. */
  location: string;
}

/** The purl `distro` qualifier: `alpine-3.20.3`, `debian-12`. */
export function distroQualifier(d: Distro | undefined): string | undefined {
  if (!d) return undefined;
  return d.versionId ? `${d.id}-${d.versionId}` : d.id;
}
