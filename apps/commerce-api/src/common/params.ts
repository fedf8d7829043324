import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ID_PATTERN } from '@meridian/dc';

export class IdParam {
  @ApiProperty({ example: 'a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T' })
  @IsString() @Matches(ID_PATTERN, { message: 'id must be an id like a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T' })
  id: string;
}

export class SlugParam {
  @ApiProperty()
  @IsString() @Length(1, 160) @Matches(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: 'slug must be lower-case words joined by -' })
  slug: string;
}
