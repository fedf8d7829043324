import { ConfirmedOrder, Operation, OperationRecord } from './history';
import { ShopAnswer, ShopClient } from './shop-client';
import { DnsFailure, ShopResolver } from './shop-resolver';

/** How shoppers behave: the share of visits that search, check out, log out and in again; the think time between steps. */
export interface ShopperMix {
  /** of shoppers, 0..1 */
  guests: number;
  /** of visits, 0..1 */
  search: number;
  checkout: number;
  relogin: number;
  /** of account shoppers, 0..1: registered while in another region (homed in its DC), they shop from their own */
  travel: number;
  /** mean think time between two steps, ms (each is drawn from 0.5x to 1.5x of it) */
  thinkMs: number;
  /** how long a careful client keeps repeating a checkout that failed, with the same Idempotency-Key, ms */
  checkoutPatienceMs: number;
}

export const DEFAULT_MIX: ShopperMix = { guests: 0.3, search: 0.3, checkout: 0.5, relogin: 0.15, travel: 0.2, thinkMs: 300, checkoutPatienceMs: 60000 };

export interface ShopperOptions {
  id: string;
  region: string;
  kind: 'guest' | 'account';
  resolver: Pick<ShopResolver, 'resolve'>;
  /** a traveller: the resolver of the region it registered in (its home's) */
  registeredVia?: Pick<ShopResolver, 'resolve'>;
  client: Pick<ShopClient, 'call' | 'close'>;
  /** the DC whose entry has this address */
  dcOf: (address: string) => string | undefined;
  record: (r: OperationRecord) => void;
  mix: ShopperMix;
  /** 0..1, the shopper's own stream (seeded: a drill's shoppers make the same choices every run) */
  random: () => number;
  /** a word the run's e-mail addresses and keys carry, unique per run */
  runId: string;
}

const ADDRESS = { fullName: 'Drill Shopper', line1: '1 Loopback Way', city: 'Localhost', postalCode: '12345', countryCode: 'US' };
const PASSWORD = 'drill-shopper-password';
/** answers a careful client repeats: the shop may not have done it, or did it and the answer was lost */
const retryable = (a: ShopAnswer) => a.status === undefined || a.status >= 500 || a.status === 409 && /CONFLICT/.test(a.outcome) || a.status === 429;

interface Product { slug: string; name: string; variants: { id: string; stockStatus: string }[] }

/**
 * One simulated shopper: resolves the shop's name as its region's resolver would, then visits it over
 * and over: browses, sometimes searches, opens a product, adds it to the cart, looks at the cart,
 * sometimes checks out (repeating a failed checkout with the same Idempotency-Key until it is
 * confirmed or its patience ends) and follows its orders; an account shopper registers first and
 * now and then logs out and in again. Every step is recorded, with what the shopper itself finds
 * wrong against what it was told: a session refused (`logged-out`); a cart line it was told was added
 * missing from its cart (`line-missing`: a view of a replica that has not got it yet, or of a cart
 * whose owner cannot be reached), which becomes `line-lost` only when it never comes back: checked
 * out without it, or still missing when the shopper stops.
 */
export class Shopper {
  private stopping = false;
  private account?: string;
  private email?: string;
  private visits = 0;
  /** a traveller's register goes through the resolver of the region it registers in */
  private registering = false;
  private readonly told = new Map<string, number>();
  /** lines of `told` the cart lacked when last looked at: since when, and which */
  private missing?: { since: number; lines: string };
  private catalog: Product[] = [];

  constructor(private readonly o: ShopperOptions) {}

  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<void> {
    try {
      if (this.o.kind === 'account') await this.untilOk(() => this.register());
      while (!this.stopping) await this.visit();
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
    } finally {
      if (this.missing) this.finding('line-lost', `still missing when the shopper stopped (since ${new Date(this.missing.since).toISOString()}): ${this.missing.lines}`);
      this.o.client.close();
    }
  }

  private async untilOk(step: () => Promise<boolean>): Promise<void> {
    while (!(await step())) await this.think();
  }

  private async visit(): Promise<void> {
    const r = this.o.random;
    this.visits++;
    const page = await this.step<{ items: Product[] }>('browse', 'GET', `/api/products?page=${1 + Math.floor(r() * 3)}&pageSize=12`);
    if (page.body?.items?.length) this.catalog = page.body.items;
    await this.think();
    const product = this.pick(this.catalog);
    if (product && r() < this.o.mix.search) {
      const word = product.name.split(/\s+/).find((w) => w.length > 3) ?? product.name;
      await this.step('search', 'GET', `/api/products?q=${encodeURIComponent(word)}&pageSize=12`);
      await this.think();
    }
    if (!product) return;
    await this.step('product', 'GET', `/api/products/${product.slug}`);
    await this.think();
    const variant = this.pick(product.variants.filter((v) => v.stockStatus !== 'out_of_stock'));
    if (variant) {
      const quantity = 1 + Math.floor(r() * 2);
      const added = await this.step('add', 'POST', '/api/cart/items', { variantId: variant.id, quantity });
      if (added.outcome === 'ok') this.told.set(variant.id, (this.told.get(variant.id) ?? 0) + quantity);
      await this.think();
    }
    await this.lookAtCart();
    await this.think();
    if (this.told.size && r() < this.o.mix.checkout) {
      const order = await this.checkout();
      if (order) {
        await this.think();
        await this.step('order', 'GET', `/api/orders/${order.id}`);
        if (this.o.kind === 'account') await this.step('orders', 'GET', '/api/orders?pageSize=5');
        await this.think();
        if (this.o.kind === 'account' && r() < this.o.mix.relogin) await this.relogin();
      }
    }
  }

  /** The cart as the shop has it, against every line the shopper was told was added. */
  private async lookAtCart(): Promise<void> {
    const started = Date.now();
    const a = await this.call<{ lines: { variantId: string; quantity: number }[] }>('GET', '/api/cart');
    if (a.answer.outcome !== 'ok' || !a.answer.body?.lines) return this.record('cart', started, a);
    const has = new Map(a.answer.body.lines.map((l) => [l.variantId, l.quantity]));
    const lacking = [...this.told].filter(([v, q]) => (has.get(v) ?? 0) < q).map(([v, q]) => `${v} x${q} (cart has ${has.get(v) ?? 0})`);
    if (lacking.length) {
      this.missing ??= { since: started, lines: lacking.join(', ') };
      this.record('cart', started, a, { outcome: 'line-missing', detail: lacking.join(', ') });
    } else {
      this.record('cart', started, a, this.missing ? { detail: `the lines missing since ${new Date(this.missing.since).toISOString()} are back` } : {});
      this.missing = undefined;
    }
  }

  /** Forgets what the cart should hold (after a checkout, a log-out, a checkout given up: it is no longer known). */
  private forgetCart(): void {
    this.told.clear();
    this.missing = undefined;
  }

  /**
   * Checks out with one Idempotency-Key, repeated after each failure that may not be final until
   * confirmed or patience ends (a careful client). The order confirmed, or undefined.
   */
  private async checkout(): Promise<ConfirmedOrder | undefined> {
    const key = `drill-${this.o.runId}-${this.o.id}-${this.visits}`;
    const body = { ...(this.o.kind === 'guest' ? { email: `guest-${this.o.runId}-${this.o.id}@drill.test` } : {}), shippingMethod: 'standard', shippingAddress: ADDRESS };
    const until = Date.now() + this.o.mix.checkoutPatienceMs;
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      const a = await this.call<{ id: string; number: string; totals: { total: number }; lines: ConfirmedOrder['lines'] }>('POST', '/api/checkout', body,
        { 'Idempotency-Key': key });
      const b = a.answer.body;
      if (a.answer.outcome === 'ok' && b?.id) {
        const lines = b.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity, lineTotal: l.lineTotal }));
        const order = { id: b.id, number: b.number, total: b.totals.total, lines };
        this.record('checkout', started, a, { key, order });
        const without = [...this.told].filter(([v, q]) => (lines.find((l) => l.variantId === v)?.quantity ?? 0) < q).map(([v, q]) => `${v} x${q}`);
        if (this.missing && without.length) this.finding('line-lost', `checked out order ${order.number} without lines it was told were added: ${without.join(', ')}`);
        this.forgetCart();
        return order;
      }
      this.record('checkout', started, a, { key });
      if (a.answer.status === 401) return this.loggedOut();
      if (!retryable(a.answer) || Date.now() > until) {
        // given up or refused for good (out of stock, an empty cart): what the cart holds is no longer known
        this.forgetCart();
        return undefined;
      }
      await sleep(Math.min(4000, 250 * 2 ** attempt));
    }
  }

  private async register(): Promise<boolean> {
    this.email = `shopper-${this.o.runId}-${this.o.id}@drill.test`;
    this.registering = true;
    try {
      return await this.signIn('register', '/api/accounts/register', { email: this.email, password: PASSWORD, name: `Shopper ${this.o.id}` }, true);
    } finally {
      this.registering = false;
    }
  }

  private async signIn(op: 'register' | 'login', path: string, body: unknown, firstTime = false): Promise<boolean> {
    const started = Date.now();
    const a = await this.call<{ id?: string; homeDc?: string; homeEpoch?: number }>('POST', path, body);
    const acc = a.answer.body;
    if (a.answer.outcome === 'ok' && acc?.id) {
      this.account = acc.id;
      this.record(op, started, a, { home: { dc: String(acc.homeDc), epoch: Number(acc.homeEpoch) } });
      return true;
    }
    this.record(op, started, a);
    // a register whose answer was lost may have made the account: log in with it from then on
    if (firstTime && (a.answer.status === undefined || a.answer.status >= 500 || /EMAIL_TAKEN/.test(a.answer.outcome))) {
      return this.signIn('login', '/api/accounts/login', { email: this.email, password: PASSWORD });
    }
    return false;
  }

  private async relogin(): Promise<void> {
    await this.step('logout', 'POST', '/api/accounts/logout');
    await this.think();
    this.forgetCart(); // a logged-out shopper's cart is the account's again only at log-in
    await this.untilOk(() => this.signIn('login', '/api/accounts/login', { email: this.email, password: PASSWORD }));
  }

  /** A session the shop refused: recorded, then the shopper logs in again as a real one would. */
  private async loggedOut(): Promise<undefined> {
    this.forgetCart();
    await this.untilOk(() => this.signIn('login', '/api/accounts/login', { email: this.email, password: PASSWORD }));
    return undefined;
  }

  private async step<T>(op: Operation, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ShopAnswer<T>> {
    const started = Date.now();
    const a = await this.call<T>(method, path, body);
    const refused = this.o.kind === 'account' && a.answer.status === 401 && op !== 'logout';
    this.record(op, started, a, refused ? { outcome: 'logged-out', detail: `${method} ${path} answered 401` } : {});
    if (refused) await this.loggedOut();
    return a.answer;
  }

  /** One request at the address the shopper's resolver gives now. */
  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>):
  Promise<{ answer: ShopAnswer<T>; dc?: string }> {
    let address: string;
    try {
      address = (await (this.registering && this.o.registeredVia ? this.o.registeredVia : this.o.resolver).resolve()).address;
    } catch (err) {
      return { answer: { outcome: err instanceof DnsFailure ? 'dns' : 'error', latencyMs: 0 } };
    }
    const dc = this.o.dcOf(address);
    return { answer: await this.o.client.call<T>(address, method, path, body, headers), dc };
  }

  private record(op: Operation, t: number, a: { answer: ShopAnswer<unknown>; dc?: string }, extra: Partial<OperationRecord> = {}): void {
    // an error answer's own words (the problem body's message), so that the history says why
    const said = (a.answer.body as { message?: unknown } | undefined)?.message;
    const why = a.answer.outcome !== 'ok' && typeof said === 'string' ? { detail: said.slice(0, 200) } : {};
    this.o.record({
      t, shopper: this.o.id, region: this.o.region, kind: this.o.kind, ...(a.dc ? { dc: a.dc } : {}), op,
      outcome: a.answer.outcome, ...(a.answer.status ? { status: a.answer.status } : {}), latencyMs: a.answer.latencyMs,
      ...(this.account ? { account: this.account } : {}), ...why, ...extra,
    });
  }

  /** What the shopper concludes from what it saw before (no request of its own). */
  private finding(outcome: string, detail: string): void {
    this.o.record({ t: Date.now(), shopper: this.o.id, region: this.o.region, kind: this.o.kind, op: 'cart', outcome, latencyMs: 0,
      ...(this.account ? { account: this.account } : {}), detail });
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length ? xs[Math.floor(this.o.random() * xs.length)] : undefined;
  }

  /** The pause between two steps; once stopped, the visit ends there (a checkout being repeated does not pause here: it finishes). */
  private think(): Promise<void> {
    if (this.stopping) return Promise.reject(new Stopped());
    return sleep(this.o.mix.thinkMs * (0.5 + this.o.random()));
  }
}

class Stopped extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
