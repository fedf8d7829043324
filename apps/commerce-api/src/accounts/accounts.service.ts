import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, notFound, unauthenticated } from '../common/domain-error';
import { RequestContext, Role } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { isDuplicateKey } from '../database/sql-errors';
import { CartService } from '../cart/cart.service';
import { AccountsRepository, AccountRow } from './accounts.repository';
import { AccountView, LoginDto, RegisterDto } from './accounts.dto';
import { PasswordHasher } from './password-hasher';
import { Tokens } from './tokens';
import { AppLogger } from '../observability/logger';

export interface LoggedIn {
  account: AccountView;
  sessionToken: string;
  /** the guest cart was merged into the account's cart: the cart cookie must go */
  guestCartMerged: boolean;
}

const view = (a: Pick<AccountRow, 'id' | 'email' | 'name' | 'role' | 'home_dc'>): AccountView =>
  ({ id: a.id, email: a.email, name: a.name, role: a.role, homeDc: a.home_dc });

@Injectable()
export class AccountsService {
  constructor(
    @Inject(AccountsRepository) private readonly repo: AccountsRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(Tokens) private readonly tokens: Tokens,
    @Inject(CartService) private readonly carts: CartService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  async register(ctx: RequestContext, dto: RegisterDto, role: Role = 'customer'): Promise<LoggedIn> {
    const db = this.router.local;
    const account = { id: newId(ctx.dc), email: dto.email, name: dto.name, role, home_dc: ctx.dc,
      password_hash: await this.hasher.hash(dto.password), last_login_at: this.clock.now() };
    // registering cannot help but tell that the address is taken; log-in never tells
    const taken = () => new DomainError(ErrorCode.EmailTaken, 'an account with this e-mail already exists');
    const made = await this.repo.insertAccount(db, account).catch((err) => {
      if (isDuplicateKey(err)) throw taken();
      throw err;
    });
    if (!made) throw taken();
    return this.startSession(ctx, account);
  }

  async login(ctx: RequestContext, dto: LoginDto): Promise<LoggedIn> {
    const db = this.router.local;
    const keys = [`email:${dto.email}`, `ip:${ctx.ip}`];
    await this.refuseIfThrottled(ctx, keys);
    const account = await this.repo.findByEmail(db, dto.email);
    const ok = account ? await this.hasher.verify(account.password_hash, dto.password) : await this.hasher.verifyNothing(dto.password);
    if (!account || !ok) {
      await this.repo.countLoginFailure(db, keys.map((key) => ({ id: newId(ctx.dc), key })), this.env.LOGIN_WINDOW_SECONDS);
      throw unauthenticated('wrong e-mail or password');
    }
    await this.repo.clearLoginFailures(db, keys[0], ctx.dc);
    const homeDc = await this.settleHome(ctx, account);
    return this.startSession(ctx, { ...account, home_dc: homeDc });
  }

  async logout(ctx: RequestContext): Promise<void> {
    if (!ctx.account) return;
    // the session row lives where it was written, which a home claim since then does not change
    await this.repo.revokeSession(this.router.forOwner(ctx.account.sessionDc), ctx.account.sessionId, this.clock.now());
  }

  async me(ctx: RequestContext): Promise<AccountView> {
    const account = ctx.account && await this.repo.findById(this.router.local, ctx.account.id);
    if (!account) throw notFound('account');
    return view(account);
  }

  /** Failed log-ins are limited per e-mail and per client address (the latter 5x looser: shared NATs). */
  private async refuseIfThrottled(ctx: RequestContext, keys: string[]): Promise<void> {
    const window = this.env.LOGIN_WINDOW_SECONDS;
    const rows = await this.repo.findLoginFailures(this.router.local, keys, window);
    for (const r of rows) {
      const limit = r.throttle_key.startsWith('ip:') ? this.env.LOGIN_MAX_FAILURES * 5 : this.env.LOGIN_MAX_FAILURES;
      if (r.failures >= limit) {
        throw new DomainError(ErrorCode.RateLimited, 'too many failed log-ins; try again later', undefined,
          Math.max(1, window - Number(r.age)));
      }
    }
  }

  /**
   * The home-DC protocol of a log-in (see docs/architecture.md): every write to the account row
   * happens in the current home's database, so its binlog orders them.
   * - home here: record the log-in, fenced by home and epoch;
   * - home elsewhere: in one round trip to it, claim the home for this DC if it saw no log-in within
   *   HOME_ACTIVE_WINDOW_SECONDS (epoch + 1, compare-and-set), else record the log-in there; after a
   *   claim, wait until this DC's database has applied the claim's GTID before the first write here.
   * A fence that fails means another DC claimed first: re-read the row where it lives and follow it.
   * Returns the DC that is the home for this session.
   */
  private async settleHome(ctx: RequestContext, start: AccountRow): Promise<string> {
    let account = start;
    for (let attempt = 0; attempt < 3; attempt++) {
      const home = this.router.forOwner(account.home_dc);
      const now = this.clock.now();
      if (account.home_dc === ctx.dc) {
        if (await this.repo.recordLogin(home, account.id, now, account.home_dc, account.home_epoch)) return ctx.dc;
      } else {
        const r = await this.repo.claimHome(home, { accountId: account.id, homeDc: account.home_dc, epoch: account.home_epoch,
          toDc: ctx.dc, now, activeSince: new Date(now.getTime() - this.env.HOME_ACTIVE_WINDOW_SECONDS * 1000) });
        if (r.claimed) {
          if (await this.repo.waitForGtid(this.router.local, r.gtid, this.env.HOME_CLAIM_WAIT_SECONDS)) return ctx.dc;
          // this DC is too far behind the old home (or its channel stopped): left as it is, the old home would
          // send every write here and this DC back there until it caught up. The home goes back; this session writes there.
          if (await this.repo.undoClaim(home, { accountId: account.id, claimedBy: ctx.dc, epoch: r.home_epoch, backTo: account.home_dc })) {
            this.logger.warn('home claim given back: this DC had not applied the old home\'s writes in time', { accountId: account.id, homeDc: account.home_dc });
            return account.home_dc;
          }
        }
        if (r.recorded) return account.home_dc;
      }
      const fresh = await this.repo.findById(home, account.id);
      if (!fresh) throw notFound('account');
      account = fresh;
    }
    throw new DomainError(ErrorCode.Unavailable, 'the account is moving to another DC; try again', undefined, 1);
  }

  private async startSession(ctx: RequestContext, account: Pick<AccountRow, 'id' | 'email' | 'name' | 'role' | 'home_dc'>): Promise<LoggedIn> {
    const db = this.router.forOwner(account.home_dc);
    const now = this.clock.now();
    const sessionId = newId(ctx.dc);
    await this.repo.insertSession(db, { id: sessionId, accountId: account.id,
      expiresAt: new Date(now.getTime() + this.env.SESSION_TTL_SECONDS * 1000), userAgent: ctx.userAgent });
    const guestCartMerged = ctx.guestCartId ? await this.carts.mergeGuestCart(ctx, { id: account.id, homeDc: account.home_dc }, ctx.guestCartId) : false;
    const sessionToken = this.tokens.signSession({ sub: account.id, sid: sessionId, home: account.home_dc });
    return { account: view(account), sessionToken, guestCartMerged };
  }
}
