import { Inject, Injectable } from '@nestjs/common';
import { AppEnv } from '../config/app-config';
import { invalidInput, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { TtlCache } from '../common/ttl-cache';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import {
  ListProductsQuery, ProductDetailView, ProductOptionView, ProductSummaryView, StockStatus, VariantView,
} from './catalog.dto';
import { CatalogRepository, ProductFilter, ProductRow, VariantRow } from './catalog.repository';

export function parseJsonColumn(value: string | Record<string, string> | null): Record<string, string> {
  if (value === null) return {};
  return typeof value === 'string' ? (JSON.parse(value) as Record<string, string>) : value;
}

export function priceWithTax(netMinor: number, taxRateBp: number): number {
  return Math.round((netMinor * (10000 + taxRateBp)) / 10000);
}

/** Turns a shopper's search text into a boolean-mode FULLTEXT expression: every word, as a prefix. */
export function toMatchExpression(q: string): string {
  const words = (q.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3);
  if (words.length === 0) throw invalidInput('q: search needs at least one word of 3 or more letters or digits');
  return words.slice(0, 10).map((w) => `+${w}*`).join(' ');
}

/**
 * Catalog reads. Pages and product pages are cached in this process for CATALOG_CACHE_MS as
 * ready-to-send JSON: the catalog may be eventually consistent, and stock status in particular
 * is shown as of at most that long ago. Admin writes clear this process's cache at once.
 */
@Injectable()
export class CatalogService {
  private readonly pages: TtlCache<string>;
  private readonly products: TtlCache<string | null>;

  constructor(
    @Inject(CatalogRepository) private readonly repo: CatalogRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(AppEnv) private readonly env: AppEnv,
  ) {
    this.pages = new TtlCache(env.CATALOG_CACHE_MS);
    this.products = new TtlCache(env.CATALOG_CACHE_MS);
  }

  /** One page of products as JSON (a `ProductPageView`). */
  listProducts(ctx: RequestContext, query: ListProductsQuery): Promise<string> {
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw invalidInput('minPrice must not be above maxPrice');
    }
    const sort = query.sort ?? (query.q ? 'relevance' : 'catalog');
    if (sort === 'relevance' && !query.q) throw invalidInput('sort=relevance needs q');
    const filter: ProductFilter = {
      categorySlug: query.category, minPrice: query.minPrice, maxPrice: query.maxPrice,
      match: query.q === undefined ? undefined : toMatchExpression(query.q),
      sort, limit: query.pageSize, offset: (query.page - 1) * query.pageSize,
    };
    return this.pages.get(JSON.stringify(filter), async () => {
      const db = this.router.local;
      const { rows, total } = await this.repo.findProducts(db, filter);
      const variants = await this.repo.findVariants(db, rows.map((r) => r.id), ctx.dc);
      const byProduct = groupBy(variants, (v) => v.product_id);
      const items = rows.map((p) => this.summary(p, byProduct.get(p.id) ?? []));
      return JSON.stringify({ items, total, page: query.page, pageSize: query.pageSize });
    });
  }

  /** One product page as JSON (a `ProductDetailView`). */
  async productBySlug(ctx: RequestContext, slug: string): Promise<string> {
    const json = await this.products.get(slug, async () => {
      const { product, variants } = await this.repo.findProductPage(this.router.local, slug, ctx.dc);
      return product ? JSON.stringify(this.detail(product, variants)) : null;
    });
    if (json === null) throw notFound('product', slug);
    return json;
  }

  /**
   * Deep health: the first catalog page and its first product's page, through this process's
   * cache as shoppers read them; the products read (0 in an empty catalog).
   */
  async readThroughCache(ctx: RequestContext): Promise<number> {
    const page = JSON.parse(await this.listProducts(ctx, Object.assign(new ListProductsQuery(), { page: 1, pageSize: 1 }))) as { items: { slug: string }[] };
    const [first] = page.items;
    if (first) await this.productBySlug(ctx, first.slug);
    return page.items.length;
  }

  /** Deep health: a full-text search run on the database now (never from the cache); the matches' count. */
  async searchNow(text: string): Promise<number> {
    const { total } = await this.repo.findProducts(this.router.local, { match: toMatchExpression(text), sort: 'relevance', limit: 1, offset: 0 });
    return total;
  }

  async categories(_ctx: RequestContext) {
    const rows = await this.repo.findCategories(this.router.local);
    return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, products: Number(r.products) }));
  }

  /** Forget cached pages after a catalog change made through this process. */
  invalidate(): void {
    this.pages.clear();
    this.products.clear();
  }

  private stockStatus(available: number | null): StockStatus {
    if (!available) return 'out_of_stock';
    return available <= this.env.LOW_STOCK_THRESHOLD ? 'low_stock' : 'in_stock';
  }

  private variant(v: VariantRow): VariantView {
    return {
      id: v.id, sku: v.sku, name: v.name, attributes: parseJsonColumn(v.attributes),
      price: v.price_minor, priceWithTax: priceWithTax(v.price_minor, v.tax_rate_bp), currency: v.currency,
      stockStatus: this.stockStatus(v.available),
    };
  }

  private summary(p: ProductRow, variants: VariantRow[]): ProductSummaryView {
    return {
      id: p.id, slug: p.slug, name: p.name,
      category: { id: p.category_id, slug: p.category_slug, name: p.category_name },
      variants: variants.map((v) => this.variant(v)),
    };
  }

  private detail(p: ProductRow, variants: VariantRow[]): ProductDetailView {
    const summary = this.summary(p, variants);
    const options = new Map<string, string[]>();
    for (const v of summary.variants) {
      for (const [name, value] of Object.entries(v.attributes)) {
        const values = options.get(name) ?? [];
        if (!values.includes(value)) values.push(value);
        options.set(name, values);
      }
    }
    const optionViews: ProductOptionView[] = [...options].map(([name, values]) => ({ name, values }));
    return { ...summary, description: p.description, attributes: parseJsonColumn(p.attributes), options: optionViews };
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it); else m.set(k, [it]);
  }
  return m;
}
