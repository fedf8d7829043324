import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

const normaliseEmail = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(normaliseEmail) @IsEmail({}, { message: 'email must be an e-mail address' }) @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString() @Length(10, 200, { message: 'password must be 10 to 200 characters' })
  password: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString() @Length(1, 200)
  name: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(normaliseEmail) @IsEmail({}, { message: 'email must be an e-mail address' }) @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString() @Length(1, 200)
  password: string;
}

export class AccountView {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['customer', 'admin'] }) role: string;
  @ApiProperty({ description: 'the DC that owns this account' }) homeDc: string;
  @ApiProperty({ description: 'how many times its home has moved, plus one: a home DC holds for one epoch' }) homeEpoch: number;
}
