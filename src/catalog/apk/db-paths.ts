/** Where apk keeps its installed database (Alpine; Wolfi/Chainguard under usr/). */
export const APK_DB_GLOBS = ['lib/apk/db/installed', 'usr/lib/apk/db/installed'] as const;
