import prand from 'pure-rand';

/**
 * A seeded stream of numbers in [0, 1) (pure-rand's Mersenne Twister): the same seed gives the same
 * stream on every machine, so a drill's schedule and its shoppers' choices replay exactly. Not
 * xoroshiro128+: seeded with small numbers (1, 2, 42) its first outputs were all near 1.
 */
export function seededRandom(seed: number): () => number {
  const rng = prand.mersenne(seed);
  return () => prand.unsafeUniformIntDistribution(0, 2 ** 31 - 1, rng) / 2 ** 31;
}
