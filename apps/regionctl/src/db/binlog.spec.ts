import { parseRowEvents } from './binlog';

// mariadb-binlog -v --base64-output=DECODE-ROWS of MariaDB 10.11, cut down (the row images of three transactions)
const OUTPUT = `#261203 14:22:22 server id 1  end_log_pos 981 CRC32 0xc2d6c93c \tGTID 1-1-4 trans
### UPDATE \`m\`.\`t\`
### WHERE
###   @1='a_1'
###   @2=1
### SET
###   @1='a_1'
###   @2=2
COMMIT/*!*/;
#261203 14:22:22 server id 1  end_log_pos 1271 CRC32 0x04641692 \tGTID 1-1-5 trans
### INSERT INTO \`m\`.\`t\`
### SET
###   @1='a_2'
###   @2=NULL
### INSERT INTO \`other\`.\`x\`
### SET
###   @1=7
### DELETE FROM \`m\`.\`t\`
### WHERE
###   @1='a_1'
###   @2=2
COMMIT/*!*/;
#261203 14:22:23 server id 2  end_log_pos 1400 CRC32 0x04641693 \tGTID 2-2-9 trans
### INSERT INTO \`m\`.\`t\`
### SET
###   @1='b_1'
COMMIT/*!*/;
`;

describe('parseRowEvents: the transactions of one GTID domain in mariadb-binlog output', () => {
  it('lists each transaction of the domain past the position, with the table, operation and first column of every row of the database', () => {
    expect(parseRowEvents(OUTPUT, 1, 3, 'm')).toEqual([
      { gtid: '1-1-4', changes: [{ table: 't', op: 'update', key: 'a_1' }] },
      { gtid: '1-1-5', changes: [{ table: 't', op: 'insert', key: 'a_2' }, { table: 't', op: 'delete', key: 'a_1' }] },
    ]);
  });

  it('leaves out what the position already covers and the other domains', () => {
    expect(parseRowEvents(OUTPUT, 1, 4, 'm').map((t) => t.gtid)).toEqual(['1-1-5']);
    expect(parseRowEvents(OUTPUT, 1, 5, 'm')).toEqual([]);
    expect(parseRowEvents(OUTPUT, 2, 0, 'm')).toEqual([{ gtid: '2-2-9', changes: [{ table: 't', op: 'insert', key: 'b_1' }] }]);
  });
});
