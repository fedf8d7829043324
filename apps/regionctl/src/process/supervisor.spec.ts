import { Supervisor } from './supervisor';

describe('Supervisor: which dead processes start again, and when', () => {
  it('restarts commerce-api by default with back-off 1, 2, 4 … 30 s while it keeps dying, from 1 s again once it had run a minute', () => {
    let now = 0;
    const s = new Supervisor('api', () => now);
    const api = { name: 'api-a-1', role: 'api' as const };
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 7; i++) {
      delays.push(s.onDeath(api));
      s.restarting(api.name);
      now += 5000; // dies 5 s after each start
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30]);
    now += 60000;
    expect(s.onDeath(api)).toBe(1);
  });

  it('leaves down what the operator killed until released, and what its mode does not supervise', () => {
    const s = new Supervisor('api');
    s.hold('api-a-1');
    expect(s.onDeath({ name: 'api-a-1', role: 'api' })).toBeUndefined();
    s.release('api-a-1');
    expect(s.onDeath({ name: 'api-a-1', role: 'api' })).toBe(1);
    expect(s.onDeath({ name: 'mariadb-a', role: 'mariadb' })).toBeUndefined();
    expect(s.onDeath({ name: 'healthcheck-a-1', role: 'healthcheck' })).toBeUndefined();
    expect(new Supervisor('apps').onDeath({ name: 'healthcheck-a-1', role: 'healthcheck' })).toBe(1);
    expect(new Supervisor('apps').onDeath({ name: 'gslb-dns-ns1', role: 'dns' })).toBe(1);
    expect(new Supervisor('apps').onDeath({ name: 'haproxy-a', role: 'haproxy' })).toBeUndefined();
    expect(new Supervisor('none').onDeath({ name: 'api-a-1', role: 'api' })).toBeUndefined();
  });
});
