/** Which apk package installed a file, from the R: file lists of apk's installed database. */
import type { FileLookup } from '../cataloger.js';
import { APK_DB_GLOBS } from './db-paths.js';
import { parseApkDb } from './parse-apk-db.js';

export interface ApkOwner {
  name: string;
  version: string;
}

/** For each wanted path (no leading slash) that an installed apk package lists, that package. */
export function apkOwnersOf(files: FileLookup, wanted: ReadonlySet<string>): Map<string, ApkOwner> {
  const owners = new Map<string, ApkOwner>();
  if (wanted.size === 0) return owners;
  for (const dbPath of APK_DB_GLOBS) {
    const body = files.get(dbPath);
    if (!body) continue;
    for (const e of parseApkDb(body.toString('utf8')).entries) {
      for (const f of e.files) if (wanted.has(f) && !owners.has(f)) owners.set(f, { name: e.name, version: e.version });
    }
  }
  return owners;
}
