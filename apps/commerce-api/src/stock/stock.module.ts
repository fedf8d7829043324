import { Module } from '@nestjs/common';
import { StockController } from './stock.controller';
import { StockReceiver } from './stock-receiver';
import { ReservationSweeper } from './reservation-sweeper';
import { StockRepository } from './stock.repository';
import { StockReservationsRepository } from './stock-reservations.repository';
import { StockTransfersService } from './stock-transfers.service';
import { StockAvailabilityQueue } from './stock-availability.queue';

@Module({
  controllers: [StockController],
  providers: [StockTransfersService, StockRepository, StockReservationsRepository, StockReceiver, ReservationSweeper, StockAvailabilityQueue],
  exports: [StockRepository, StockReservationsRepository, StockAvailabilityQueue],
})
export class StockModule {}
