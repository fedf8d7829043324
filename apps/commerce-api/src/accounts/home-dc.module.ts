import { Module } from '@nestjs/common';
import { AccountsRepository } from './accounts.repository';
import { HomeDcService } from './home-dc.service';

/** The home-DC protocol, for every module that writes an account's data (apart from AccountsModule, which needs the cart). */
@Module({
  providers: [HomeDcService, AccountsRepository],
  exports: [HomeDcService, AccountsRepository],
})
export class HomeDcModule {}
