import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { dcOfId } from '@meridian/dc';
import { idempotencyKey } from '../common/idempotency-key';
import { Ctx, RequestContext } from '../common/request-context';
import { IdPipe } from '../common/path-param.pipes';
import { Auth } from '../accounts/session.guard';
import { StockView, TransferDto, TransferView } from './stock.dto';
import { StockTransfersService } from './stock-transfers.service';

@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class StockController {
  constructor(@Inject(StockTransfersService) private readonly transfers: StockTransfersService) {}

  @Post('variants/:id/stock-transfers')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'the same key (per source DC) answers the same transfer and moves nothing again' })
  @ApiCreatedResponse({ type: TransferView, description: 'moved: the units are in the destination\'s allocation' })
  @ApiAcceptedResponse({ type: TransferView, description: 'in transit: taken from the source; the destination adds them once it can' })
  @ApiOkResponse({ type: TransferView, description: 'asked before with this Idempotency-Key (Idempotent-Replayed: true): that transfer as it stands' })
  async transfer(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: TransferDto,
    @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: FastifyReply): Promise<TransferView> {
    const { transfer, replayed } = await this.transfers.transfer({ variantId: id, from: dto.from, to: dto.to, units: dto.units,
      requestedBy: ctx.account!.id, key: idempotencyKey(key, false) });
    res.status(replayed ? 200 : transfer.state === 'received' ? 201 : 202);
    if (replayed) res.header('idempotent-replayed', 'true');
    return transfer;
  }

  @Get('stock-transfers/:id')
  @ApiOkResponse({ type: TransferView })
  find(@Param('id', IdPipe) id: string): Promise<TransferView> {
    return this.transfers.find(id, dcOfId(id));
  }

  @Get('variants/:id/stock')
  @ApiOkResponse({ type: StockView })
  stock(@Param('id', IdPipe) id: string): Promise<StockView> {
    return this.transfers.stockOf(id);
  }
}
