import { Controller, Get, Header, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Ctx, RequestContext } from '../common/request-context';
import { SlugPipe } from '../common/path-param.pipes';
import { ListProductsQuery, ProductDetailView, ProductPageView } from './catalog.dto';
import { CatalogService } from './catalog.service';

@ApiTags('catalog')
@Controller()
export class CatalogController {
  constructor(@Inject(CatalogService) private readonly catalog: CatalogService) {}

  @Get('products')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ type: ProductPageView })
  list(@Ctx() ctx: RequestContext, @Query() query: ListProductsQuery): Promise<string> {
    return this.catalog.listProducts(ctx, query);
  }

  @Get('products/:slug')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ type: ProductDetailView })
  product(@Ctx() ctx: RequestContext, @Param('slug', SlugPipe) slug: string): Promise<string> {
    return this.catalog.productBySlug(ctx, slug);
  }

  @Get('categories')
  categories(@Ctx() ctx: RequestContext) {
    return this.catalog.categories(ctx);
  }
}
