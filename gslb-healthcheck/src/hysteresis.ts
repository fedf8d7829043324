/** What a DC is, as its aggregator says it. */
export type DcState = 'PASS' | 'FAIL';

export interface StateChange {
  state: DcState;
  /** when the state last changed (ms since the epoch) */
  since: number;
}

/**
 * PASS/FAIL with hysteresis: FAIL after `failRounds` failed rounds in a row, PASS again after
 * `passRounds` passed ones. The first round decides at once (nothing was known before it): an
 * aggregator that restarts does not take K or M rounds to say what it sees.
 */
export class Hysteresis {
  private current?: StateChange;
  private streak = 0;

  constructor(private readonly failRounds: number, private readonly passRounds: number) {}

  get state(): StateChange | undefined {
    return this.current;
  }

  /** The state after one more round whose raw outcome was `passed`. */
  round(passed: boolean, now: number): StateChange {
    const raw: DcState = passed ? 'PASS' : 'FAIL';
    if (!this.current) {
      this.current = { state: raw, since: now };
      this.streak = 0;
      return this.current;
    }
    if (raw === this.current.state) {
      this.streak = 0;
      return this.current;
    }
    this.streak++;
    if (this.streak >= (raw === 'FAIL' ? this.failRounds : this.passRounds)) {
      this.current = { state: raw, since: now };
      this.streak = 0;
    }
    return this.current;
  }

  /** rounds in a row that disagreed with the state (0 when the last round agreed) */
  get disagreeing(): number {
    return this.streak;
  }
}
