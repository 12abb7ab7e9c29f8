import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreTree } from '../../../envs/simkube/cluster/score-tree.js';

/** The scheduler's pick by a scan: the highest score, the first node among equals, −1 when none is 0 or more. */
function scanBest(scores: readonly number[]): number {
  let best = -1;
  let bestScore = -1;
  scores.forEach((score, i) => {
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

describe('ScoreTree', () => {
  it('picks the highest score, the first node among equals, and no node when none can take the pod', () => {
    const tree = new ScoreTree(3);
    tree.scores.set([150, 170, 170]);
    tree.rebuild();
    expect(tree.best()).toBe(1);
    tree.set(1, 120);
    expect(tree.best()).toBe(2);
    tree.set(0, 170);
    expect(tree.best()).toBe(0);
    for (let i = 0; i < 3; i++) tree.set(i, -1);
    expect(tree.best()).toBe(-1);
  });

  it('works with a single node', () => {
    const tree = new ScoreTree(1);
    tree.scores[0] = 7;
    tree.rebuild();
    expect(tree.best()).toBe(0);
    tree.set(0, -1);
    expect(tree.best()).toBe(-1);
  });

  it('property: after any rebuild and updates, the best node is the one a scan picks', () => {
    const score = fc.integer({ min: -1, max: 5 }); // few values: many ties
    fc.assert(
      fc.property(
        fc.array(score, { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), score), { maxLength: 60 }),
        (initial, updates) => {
          const tree = new ScoreTree(initial.length);
          tree.scores.set(initial);
          tree.rebuild();
          const scores = [...initial];
          expect(tree.best()).toBe(scanBest(scores));
          for (const [at, value] of updates) {
            const node = at % scores.length;
            scores[node] = value;
            tree.set(node, value);
            expect(tree.best()).toBe(scanBest(scores));
          }
        },
      ),
    );
  });
});
