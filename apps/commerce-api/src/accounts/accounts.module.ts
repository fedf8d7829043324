import { Global, Module } from '@nestjs/common';
import { CartModule } from '../cart/cart.module';
import { AccountsController } from './accounts.controller';
import { HomeDcModule } from './home-dc.module';
import { AccountsService } from './accounts.service';
import { PasswordHasher } from './password-hasher';
import { SessionCookies } from './session-cookies';
import { ContextCookies } from './context-cookies';
import { SessionGuard } from './session.guard';
import { Tokens } from './tokens';

/** Global because every module's routes pass the session guard and may set the cart cookie. */
@Global()
@Module({
  imports: [CartModule, HomeDcModule],
  controllers: [AccountsController],
  providers: [AccountsService, PasswordHasher, Tokens, SessionCookies, SessionGuard, ContextCookies],
  exports: [AccountsService, HomeDcModule, Tokens, SessionCookies, SessionGuard, ContextCookies, PasswordHasher],
})
export class AccountsModule {}
