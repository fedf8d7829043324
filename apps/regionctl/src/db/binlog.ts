import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { binary } from '../process/binaries';
import { GtidPosition } from './gtid-position';
import { MariaDbNode } from './mariadb-node';
import { binlogPosition } from './replication';

/** One row a transaction changed, as the binlog says: its table, what was done, and its first column (the key of our tables). */
export interface RowChange {
  table: string;
  op: 'insert' | 'update' | 'delete';
  key: string;
}

export interface BinlogTransaction {
  gtid: string;
  changes: RowChange[];
}

const GTID_LINE = /\tGTID (\d+-\d+-\d+)\b/;
const ROW_LINE = /^### (INSERT INTO|UPDATE|DELETE FROM) `([^`]+)`\.`([^`]+)`/;
const FIRST_COLUMN = /^###\s+@1=(.*)$/;
const OPS = { 'INSERT INTO': 'insert', UPDATE: 'update', 'DELETE FROM': 'delete' } as const;

/**
 * The transactions of `node`'s own GTID domain after `after` (what another DC holds of that domain),
 * decoded from its binlog files by mariadb-binlog (row events, as pseudo-SQL): a lost DC's errant
 * transactions, those it committed that no survivor received. Only rows of `database` are listed.
 */
export async function transactionsAfter(node: MariaDbNode, after: GtidPosition, database: string): Promise<BinlogTransaction[]> {
  const domain = node.o.gtidDomainId;
  // nothing past it (a database that lost its disk has none of it at all): mariadb-binlog would fail to reach the start
  if ((await binlogPosition(node)).seq(domain) <= after.seq(domain)) return [];
  const files = (await node.rootQuery<{ Log_name: string }>('SHOW BINARY LOGS')).map((f) => join(node.o.dataDir, f.Log_name));
  if (!files.length) return [];
  const start = after.seq(domain) > 0 ? [`--start-position=${after.only(domain).toString()}`] : [];
  const text = await new Promise<string>((resolve, reject) => {
    execFile(binary('mariadb-binlog'), ['--no-defaults', '-v', '--base64-output=DECODE-ROWS', `--do-domain-ids=${domain}`, ...start, ...files],
      { maxBuffer: 1024 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`mariadb-binlog failed: ${stderr || err.message}`)) : resolve(stdout)));
  });
  return parseRowEvents(text, domain, after.seq(domain), database);
}

/** mariadb-binlog -v output → transactions of `domain` past `afterSeq`, with the rows of `database` each changed. */
export function parseRowEvents(text: string, domain: number, afterSeq: number, database: string): BinlogTransaction[] {
  const out: BinlogTransaction[] = [];
  let current: BinlogTransaction | undefined;
  let pending: { table: string; op: RowChange['op'] } | undefined;
  for (const line of text.split('\n')) {
    const gtid = GTID_LINE.exec(line);
    if (gtid) {
      const [d, , seq] = gtid[1]!.split('-').map(Number);
      current = d === domain && seq! > afterSeq ? { gtid: gtid[1]!, changes: [] } : undefined;
      if (current) out.push(current);
      pending = undefined;
      continue;
    }
    const rowLine = ROW_LINE.exec(line);
    if (rowLine) {
      pending = rowLine[2] === database ? { table: rowLine[3]!, op: OPS[rowLine[1] as keyof typeof OPS] } : undefined;
      continue;
    }
    const first = FIRST_COLUMN.exec(line);
    if (first && pending && current) {
      current.changes.push({ ...pending, key: first[1]!.replace(/^'(.*)'$/, '$1') });
      pending = undefined;
    }
  }
  return out;
}
