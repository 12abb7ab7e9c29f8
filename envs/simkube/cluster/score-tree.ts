/**
 * A tournament tree over per-node scores: which node wins (the highest score, and among equal scores the first in
 * cluster order, as the scheduler breaks ties) in constant time, and a changed score in O(log n). The scheduler uses
 * it on larger clusters, where scanning every node for every pod would dominate a replay: between two pods of the same
 * requests only the node the first was bound to changes.
 */
export class ScoreTree {
  /** The score of each node; negative: the node cannot take the pod. */
  readonly scores: Float64Array;
  /** Leaf slots: the number of nodes rounded up to a power of two. */
  readonly #leaves: number;
  /** Per tree slot (1 is the root, `#leaves + i` node i's leaf), the winning node, or −1 for an empty slot. */
  readonly #winners: Int32Array;

  constructor(readonly size: number) {
    let leaves = 1;
    while (leaves < size) leaves *= 2;
    this.#leaves = leaves;
    this.scores = new Float64Array(size);
    this.#winners = new Int32Array(2 * leaves).fill(-1);
  }

  /** Recomputes every match from `scores` (after the caller has set them all). */
  rebuild(): void {
    const winners = this.#winners;
    for (let i = 0; i < this.size; i++) winners[this.#leaves + i] = i;
    for (let slot = this.#leaves - 1; slot >= 1; slot--) {
      winners[slot] = this.#winner(winners[2 * slot]!, winners[2 * slot + 1]!);
    }
  }

  /** Sets one node's score and replays its matches up to the root. */
  set(node: number, score: number): void {
    this.scores[node] = score;
    const winners = this.#winners;
    for (let slot = (this.#leaves + node) >> 1; slot >= 1; slot >>= 1) {
      winners[slot] = this.#winner(winners[2 * slot]!, winners[2 * slot + 1]!);
    }
  }

  /** The winning node, or −1 when no node has a score of 0 or more. */
  best(): number {
    const node = this.#winners[1]!;
    return node >= 0 && this.scores[node]! >= 0 ? node : -1;
  }

  /** The better of two nodes (either may be −1, an empty slot): the higher score, then the lower index. */
  #winner(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    const scoreA = this.scores[a]!;
    const scoreB = this.scores[b]!;
    return scoreA > scoreB || (scoreA === scoreB && a < b) ? a : b;
  }
}
