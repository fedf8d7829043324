/** Rejects when `p` has not settled within `ms` (what it does after that is ignored). */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in time')), ms); })])
    .finally(() => clearTimeout(timer));
}
