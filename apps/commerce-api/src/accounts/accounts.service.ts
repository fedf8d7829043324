import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, notFound, unauthenticated } from '../common/domain-error';
import { RequestContext, Role } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { CartService } from '../cart/cart.service';
import { AccountsRepository, AccountRow } from './accounts.repository';
import { AccountView, LoginDto, RegisterDto } from './accounts.dto';
import { PasswordHasher } from './password-hasher';
import { Tokens } from './tokens';
import { HomeDcService } from './home-dc.service';

export interface LoggedIn {
  account: AccountView;
  sessionToken: string;
  /** the guest cart was merged into the account's cart: the cart cookie must go */
  guestCartMerged: boolean;
}

const view = (a: Pick<AccountRow, 'id' | 'email' | 'name' | 'role' | 'home_dc' | 'home_epoch'>): AccountView =>
  ({ id: a.id, email: a.email, name: a.name, role: a.role, homeDc: a.home_dc, homeEpoch: Number(a.home_epoch) });

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
    @Inject(HomeDcService) private readonly homes: HomeDcService,
  ) {}

  async register(ctx: RequestContext, dto: RegisterDto, role: Role = 'customer'): Promise<LoggedIn> {
    const db = this.router.local;
    const account = { id: newId(ctx.dc), email: dto.email, name: dto.name, role, home_dc: ctx.dc, home_epoch: 1,
      password_hash: await this.hasher.hash(dto.password), last_login_at: this.clock.now() };
    // registering cannot help but tell that the address is taken; log-in never tells
    const taken = () => new DomainError(ErrorCode.EmailTaken, 'an account with this e-mail already exists');
    if (!await this.repo.insertAccount(db, account)) throw taken();
    return this.startSession(ctx, account);
  }

  async login(ctx: RequestContext, dto: LoginDto): Promise<LoggedIn> {
    const db = this.router.local;
    const emailKey = `email:${dto.email}`;
    const keys = [emailKey, `ip:${ctx.ip}`];
    await this.refuseIfThrottled(ctx, keys);
    const account = await this.repo.findByEmail(db, dto.email);
    const ok = account ? await this.hasher.verify(account.password_hash, dto.password) : await this.hasher.verifyNothing(dto.password);
    if (!account || !ok) {
      await this.repo.countLoginFailure(db, keys.map((key) => ({ id: newId(ctx.dc), key })), this.env.LOGIN_WINDOW_SECONDS);
      throw unauthenticated('wrong e-mail or password');
    }
    await this.repo.clearLoginFailures(db, emailKey, ctx.dc);
    const home = await this.homes.settleAtLogin(ctx.dc, account);
    return this.startSession(ctx, { ...account, home_dc: home.dc, home_epoch: home.epoch });
  }

  async logout(ctx: RequestContext): Promise<void> {
    if (!ctx.account) return;
    // the session row lives where it was written, which a home claim since then does not change; a failover
    // moves it with the account (the survivor writes the lost DC's rows until failback)
    const sessionDc = ctx.account.sessionDc;
    const db = this.router.isFailedOver(sessionDc) ? ctx.account.home : this.router.forOwner(sessionDc);
    await this.repo.revokeSession(db, ctx.account.sessionId, this.clock.now());
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

  private async startSession(ctx: RequestContext, account: Pick<AccountRow, 'id' | 'email' | 'name' | 'role' | 'home_dc' | 'home_epoch'>): Promise<LoggedIn> {
    const db = this.router.forOwner(account.home_dc);
    const now = this.clock.now();
    const sessionId = newId(ctx.dc);
    await this.repo.insertSession(db, { id: sessionId, accountId: account.id,
      expiresAt: new Date(now.getTime() + this.env.SESSION_TTL_SECONDS * 1000), userAgent: ctx.userAgent });
    const guestCartMerged = ctx.guestCartId ? await this.carts.mergeGuestCart(ctx, this.homes.homed(account.id, account.home_dc), ctx.guestCartId) : false;
    const sessionToken = this.tokens.signSession({ sub: account.id, sid: sessionId, home: account.home_dc });
    return { account: view(account), sessionToken, guestCartMerged };
  }
}
