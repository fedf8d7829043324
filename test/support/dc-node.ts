import { join } from 'node:path';
import { MariaDbNode, MariaDbNodeOptions } from '../../apps/regionctl/src/db/mariadb-node';
import { seedDataDir } from './mariadb';
import { freePort, spawnTied } from './processes';

/** DC number `n`'s database for a test: on 127.0.n.10, a free port, data in `dir`, tied to the test process. */
export async function dcNode(dir: string, dc: string, n: number, extra: Partial<MariaDbNodeOptions> = {}): Promise<MariaDbNode> {
  const dataDir = join(dir, dc, 'data');
  seedDataDir(dataDir); // a copy of the installed template instead of mariadb-install-db each time
  return new MariaDbNode({
    dc, serverId: n, gtidDomainId: n, host: `127.0.${n}.10`, port: await freePort(`127.0.${n}.10`),
    dataDir, socket: join(dir, `${dc}.sock`), logDir: join(dir, 'logs'), spawner: spawnTied, ...extra,
  });
}
