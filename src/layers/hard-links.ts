/**
 * Hard links inside the stacked view. A tar hard link stores no bytes; it names the same inode as its target, so the
 * target's bytes stay visible for as long as any of the names does: deleting `usr/bin/perl` while
 * `usr/bin/perl5.36.0` links to it wastes nothing. Only paths that take part in a link are tracked here (a few
 * hundred in a typical image), so the common case costs nothing.
 */

interface Inode {
  /** The path whose tar entry stored the bytes. */
  path: string;
  size: number;
  /** Visible names: the stored path itself (while visible) plus the links. */
  names: number;
  primaryVisible: boolean;
}

/** What hiding a name did: bytes that became unreachable, none, or "not a linked name" (undefined). */
export type Release = { path: string; size: number } | null | undefined;

export class HardLinks {
  private readonly byLink = new Map<string, Inode>();
  private readonly byPrimary = new Map<string, Inode>();

  /** `name` becomes a hard link to `target`; `sizeOf` gives the target's visible size (undefined: not a file). */
  link(name: string, target: string, sizeOf: (path: string) => number | undefined): void {
    if (name === target) return;
    let inode = this.byLink.get(target) ?? this.byPrimary.get(target);
    if (!inode) {
      const size = sizeOf(target);
      if (size === undefined) return; // dangling or a directory: the link keeps nothing alive
      inode = { path: target, size, names: 1, primaryVisible: true };
      this.byPrimary.set(target, inode);
    }
    inode.names++;
    this.byLink.set(name, inode);
  }

  /** True while no link is tracked: releasing any name would answer undefined. */
  get empty(): boolean {
    return this.byLink.size === 0 && this.byPrimary.size === 0;
  }

  /** A visible name disappears (overwritten, deleted, hidden). */
  release(name: string): Release {
    let inode = this.byLink.get(name);
    if (inode) this.byLink.delete(name);
    else {
      inode = this.byPrimary.get(name);
      if (!inode) return undefined;
      this.byPrimary.delete(name);
      inode.primaryVisible = false;
    }
    inode.names--;
    return inode.names === 0 ? { path: inode.path, size: inode.size } : null;
  }

  /** Bytes still visible only through links (their stored path is gone). */
  pinnedBytes(): number {
    let total = 0;
    for (const inode of new Set(this.byLink.values())) if (!inode.primaryVisible) total += inode.size;
    return total;
  }
}
