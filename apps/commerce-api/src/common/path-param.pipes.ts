import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ID_PATTERN } from '@meridian/dc';

/**
 * Path parameters are checked by one regular expression each: a DTO class would run
 * class-transformer and class-validator on every request for one string.
 */
class PatternPipe implements PipeTransform<unknown, string> {
  constructor(private readonly pattern: RegExp, private readonly expected: string) {}

  transform(value: unknown, meta: { data?: string }): string {
    if (typeof value === 'string' && this.pattern.test(value)) return value;
    const field = meta.data ?? 'parameter';
    const problem = `${field} must be ${this.expected}`;
    throw new BadRequestException({ statusCode: 400, error: 'INVALID_INPUT', message: `${field}: ${problem}`, details: [{ field, problems: [problem] }] });
  }
}

/** A `<dc>_<ULID>` path parameter. */
@Injectable()
export class IdPipe extends PatternPipe {
  constructor() {
    super(ID_PATTERN, 'an id like a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T');
  }
}

/** A slug path parameter: lower-case words joined by -. */
@Injectable()
export class SlugPipe extends PatternPipe {
  constructor() {
    super(/^(?=.{1,160}$)[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case words joined by -');
  }
}
