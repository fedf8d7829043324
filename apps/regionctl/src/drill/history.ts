import { createWriteStream, readFileSync, WriteStream } from 'node:fs';

/** What a shopper does, as the history names it. */
export const OPERATIONS = ['resolve', 'browse', 'search', 'product', 'register', 'login', 'logout', 'add', 'cart', 'checkout', 'orders', 'order'] as const;
export type Operation = typeof OPERATIONS[number];

/**
 * One operation of one shopper, as it saw it: `ok`, or what went wrong (`http-503 FAILED_OVER`, `timeout`,
 * `refused`, `reset`, `dns`), and the shopper's own findings against what it was told before: `logged-out`
 * (a session it had was refused), `line-lost` (a cart line it was told was added is not in its cart).
 */
export interface OperationRecord {
  /** ms since the epoch, when the operation began */
  t: number;
  shopper: string;
  /** the client region (the DC code of regions/ whose subnet it resolves with) */
  region: string;
  kind: 'guest' | 'account';
  /** the DC whose entry it reached, by the address the DNS gave (absent when it had none) */
  dc?: string;
  op: Operation;
  outcome: string;
  /** the HTTP status, when there was an answer */
  status?: number;
  latencyMs: number;
  /** a checkout that succeeded: the order as confirmed */
  order?: ConfirmedOrder;
  /** the Idempotency-Key of a checkout (each attempt) */
  key?: string;
  /** the account, once it has one */
  account?: string;
  /** log-in and register: the account's home as the answer named it */
  home?: { dc: string; epoch: number };
  /** why, for the findings and errors: the message or the lines missing */
  detail?: string;
}

export interface ConfirmedOrder {
  id: string;
  number: string;
  total: number;
  lines: { variantId: string; quantity: number; lineTotal: number }[];
}

/** Appends records to a JSON-lines file as they come (a crash of the drill keeps what was written). */
export class HistoryWriter {
  private readonly out: WriteStream;
  count = 0;

  constructor(readonly file: string) {
    this.out = createWriteStream(file, { flags: 'a' });
  }

  write(r: OperationRecord): void {
    this.count++;
    this.out.write(`${JSON.stringify(r)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Every record of a history file, in the order written (a torn last line, from a crash, is left out). */
export function readHistory(file: string): OperationRecord[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line) as OperationRecord];
    } catch {
      return [];
    }
  });
}
