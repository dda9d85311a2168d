/** The last index i < count with sorted[i] ≤ value (sorted ascending, sorted[0] ≤ value); 0 when count ≤ 1. */
export function lastAtMost(sorted: ArrayLike<number>, count: number, value: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (sorted[mid] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
