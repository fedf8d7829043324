import { IsIn, IsOptional } from 'class-validator';

/** GET /health/deep takes nothing but the answer's format. */
export class DeepHealthQuery {
  @IsOptional() @IsIn(['text', 'json'], { message: 'format must be text or json' }) format?: 'text' | 'json';
}
