/**
 * The N largest (path, size) pairs seen, kept in a small sorted array so that a layer of a million files costs N
 * slots, not a sort of the whole layer. Ties keep the first seen.
 */
export interface SizedPath {
  path: string;
  size: number;
}

export class TopN {
  private readonly items: SizedPath[] = [];

  constructor(private readonly n: number) {}

  /** Would `offer(…, size)` keep it? Lets a caller skip materialising the path of an entry that would be dropped. */
  accepts(size: number): boolean {
    return this.n > 0 && (this.items.length < this.n || size > this.items[this.items.length - 1].size);
  }

  offer(path: string, size: number): void {
    if (this.n <= 0) return;
    const items = this.items;
    if (items.length === this.n && size <= items[items.length - 1].size) return;
    let i = items.length;
    while (i > 0 && items[i - 1].size < size) i--;
    items.splice(i, 0, { path, size });
    if (items.length > this.n) items.pop();
  }

  list(): SizedPath[] {
    return this.items.slice();
  }
}
