import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { dcOfId } from '@meridian/dc';
import { Ctx, RequestContext } from '../common/request-context';
import { IdPipe } from '../common/params';
import { Auth } from '../accounts/session.guard';
import { StockView, TransferDto, TransferView } from './stock.dto';
import { StockTransfers } from './stock-transfers';

@ApiTags('admin')
@Controller('admin')
@Auth('admin')
export class StockController {
  constructor(@Inject(StockTransfers) private readonly transfers: StockTransfers) {}

  @Post('variants/:id/stock-transfers')
  @ApiCreatedResponse({ type: TransferView, description: 'moved: the units are in the destination\'s allocation' })
  @ApiAcceptedResponse({ type: TransferView, description: 'in transit: taken from the source; the destination adds them once it can' })
  async transfer(@Ctx() ctx: RequestContext, @Param('id', IdPipe) id: string, @Body() dto: TransferDto,
    @Res({ passthrough: true }) res: FastifyReply): Promise<TransferView> {
    const t = await this.transfers.transfer({ variantId: id, from: dto.from, to: dto.to, units: dto.units, requestedBy: ctx.account!.id });
    res.status(t.state === 'received' ? 201 : 202);
    return t;
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
