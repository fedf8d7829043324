/** The first row of an answer that must have one: a test that finds none fails saying so, not with a TypeError. */
export async function one<T>(rows: Promise<T[]> | T[]): Promise<T> {
  const [first] = await rows;
  if (first === undefined) throw new Error('expected a row, the answer had none');
  return first;
}
