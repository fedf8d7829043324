import { Module } from '@nestjs/common';
import { StockController } from './stock.controller';
import { StockReceiver } from './stock-receiver';
import { ReservationSweeper } from './reservation-sweeper';
import { StockRepository } from './stock.repository';
import { StockReservationsRepository } from './stock-reservations.repository';
import { StockTransfersService } from './stock-transfers.service';

@Module({
  controllers: [StockController],
  providers: [StockTransfersService, StockRepository, StockReservationsRepository, StockReceiver, ReservationSweeper],
  exports: [StockRepository, StockReservationsRepository],
})
export class StockModule {}
