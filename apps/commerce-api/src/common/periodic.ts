/**
 * Runs `round` every `seconds` (0: never), one round at a time (a round still running when the next
 * is due skips that one); a failed round goes to `failed` and the next one tries again. The timer
 * does not keep the process alive. Answers the function that stops it.
 */
export function every(seconds: number, round: () => Promise<void>, failed: (err: Error) => void): () => void {
  if (seconds === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    round().catch(failed).finally(() => { running = false; });
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
