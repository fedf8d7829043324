/** A drill that cannot be run or checked as asked (regionctl says why, without a stack trace). */
export class DrillError extends Error {}
