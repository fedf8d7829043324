import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

const DC = /^[a-z][a-z0-9]{0,7}$/;

export class TransferDto {
  @ApiProperty({ description: 'the DC whose allocation gives the units' }) @IsString() @Matches(DC, { message: 'from must be a DC code' }) from: string;
  @ApiProperty({ description: 'the DC whose allocation gets them' }) @IsString() @Matches(DC, { message: 'to must be a DC code' }) to: string;
  @ApiProperty() @IsInt() @Min(1) @Max(1_000_000_000) units: number;
}

export class TransferView {
  @ApiProperty() id: string;
  @ApiProperty() variantId: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() units: number;
  @ApiProperty({ description: 'the admin account that asked, or the operator tool' }) requestedBy: string;
  @ApiProperty({ enum: ['in_transit', 'received'], description: 'in_transit: left the source, not yet in the destination\'s allocation' })
  state: 'in_transit' | 'received';
  @ApiPropertyOptional() createdAt?: string;
  @ApiPropertyOptional() receivedAt?: string;
}

export class ReceivedAheadView {
  @ApiProperty() transferId: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() units: number;
  @ApiProperty() receivedAt: string;
}

export class AllocationView {
  @ApiProperty() dc: string;
  @ApiProperty() available: number;
}

export class StockView {
  @ApiProperty() variantId: string;
  @ApiProperty({ description: 'the DC whose database answered; other DCs\' rows as replicated to it' }) asSeenBy: string;
  @ApiProperty({ type: [AllocationView] }) allocations: AllocationView[];
  @ApiProperty({ type: [TransferView] }) inTransit: TransferView[];
  @ApiProperty({
    type: [ReceivedAheadView],
    description: 'receipts this database applied before their transfer (a third DC may, for a moment): units in the destination\'s allocation still in the source\'s too',
  }) receivedAhead: ReceivedAheadView[];
  @ApiProperty({ description: 'every allocation plus the units in transit, minus the units received ahead (counted twice in the allocations)' }) total: number;
}
