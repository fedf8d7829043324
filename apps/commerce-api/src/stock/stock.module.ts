import { Module } from '@nestjs/common';
import { StockController } from './stock.controller';
import { StockReceiver } from './stock-receiver';
import { StockRepository } from './stock.repository';
import { StockTransfersService } from './stock-transfers.service';

@Module({
  controllers: [StockController],
  providers: [StockTransfersService, StockRepository, StockReceiver],
})
export class StockModule {}
