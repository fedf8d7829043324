import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Ctx, RequestContext } from '../common/request-context';
import { AccountView, LoginDto, RegisterDto } from './accounts.dto';
import { AccountsService } from './accounts.service';
import { SessionCookies } from './session-cookies';
import { Auth } from './session.guard';

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
  ) {}

  @Post('register')
  @Auth('optional', { servedAnywhere: true })
  @ApiCreatedResponse({ type: AccountView })
  async register(@Ctx() ctx: RequestContext, @Body() dto: RegisterDto, @Res({ passthrough: true }) res: FastifyReply) {
    return this.cookies.loggedIn(res, await this.accounts.register(ctx, dto));
  }

  @Post('login')
  @HttpCode(200)
  @Auth('optional', { servedAnywhere: true })
  @ApiOkResponse({ type: AccountView })
  async login(@Ctx() ctx: RequestContext, @Body() dto: LoginDto, @Res({ passthrough: true }) res: FastifyReply) {
    return this.cookies.loggedIn(res, await this.accounts.login(ctx, dto));
  }

  @Post('logout')
  @HttpCode(204)
  @Auth('optional', { servedAnywhere: true })
  async logout(@Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: FastifyReply): Promise<void> {
    await this.accounts.logout(ctx);
    this.cookies.loggedOut(res);
  }

  @Get('me')
  @Auth('required')
  @ApiOkResponse({ type: AccountView })
  me(@Ctx() ctx: RequestContext): Promise<AccountView> {
    return this.accounts.me(ctx);
  }
}
