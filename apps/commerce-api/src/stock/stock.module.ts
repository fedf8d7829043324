import { Module } from '@nestjs/common';
import { StockController } from './stock.controller';
import { StockReceiver } from './stock-receiver';
import { StockRepository } from './stock.repository';
import { StockTransfers } from './stock-transfers';

@Module({
  controllers: [StockController],
  providers: [StockTransfers, StockRepository, StockReceiver],
})
export class StockModule {}
