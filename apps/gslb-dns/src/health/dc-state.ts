/**
 * One DC's health as a DNS server holds it. What its aggregators say is taken at once (they apply
 * their own hysteresis); a DC none of whose aggregators answers (a dead DC takes them with it) is
 * failed after `failRounds` such polls in a row, and passes again only after `passRounds` polls
 * answered PASS in a row.
 */
export type DcVerdict = { kind: 'PASS'; reason: string } | { kind: 'FAIL'; reason: string } | { kind: 'unreachable'; reason: string };

export interface DcState {
  state: 'PASS' | 'FAIL';
  /** ms since the epoch */
  since: number;
  reason: string;
  /** why it is failed: what the aggregators said, or that none answered */
  cause?: 'aggregators' | 'unreachable';
}

export class DcStateMachine {
  private unreachableRounds = 0;
  private passRounds = 0;

  constructor(public current: DcState | undefined, private readonly failRounds: number, private readonly passRoundsNeeded: number) {}

  /** Takes one poll's verdict; true when the state (PASS or FAIL, not the reason) changed. */
  take(v: DcVerdict, now: number): boolean {
    const before = this.current;
    if (v.kind === 'unreachable') {
      this.passRounds = 0;
      this.unreachableRounds++;
      if (before?.state === 'FAIL') return false;
      if (before && this.unreachableRounds < this.failRounds) return false;
      this.current = { state: 'FAIL', since: now, reason: `no aggregator answers (${v.reason})`, cause: 'unreachable' };
      return true;
    }
    this.unreachableRounds = 0;
    if (v.kind === 'FAIL') {
      this.passRounds = 0;
      const changed = before?.state !== 'FAIL';
      this.current = { state: 'FAIL', since: before?.state === 'FAIL' ? before.since : now, reason: v.reason, cause: 'aggregators' };
      return changed;
    }
    this.passRounds++;
    if (before?.state === 'FAIL' && before.cause === 'unreachable' && this.passRounds < this.passRoundsNeeded) return false;
    const changed = before?.state !== 'PASS';
    this.current = { state: 'PASS', since: before?.state === 'PASS' ? before.since : now, reason: v.reason };
    return changed;
  }
}
