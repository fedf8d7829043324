import { Inject, Injectable } from '@nestjs/common';
import { dcOfId, newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { DomainError, ErrorCode, invalidInput, notFound } from '../common/domain-error';
import { RequestContext } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { OrderDataSource } from '../database/sql';
import { gtidWait } from '../database/gtid';
import { CatalogService } from '../catalog/catalog.service';
import { PricingRules } from '../cart/pricing-rules.cache';
import { StockRepository } from '../stock/stock.repository';
import { AdminRepository, CatalogTable, NaturalKeyTakenError, Changes, NaturalKey } from './admin.repository';
import {
  CategoryDto, DiscountDto, ProductDto, ShippingMethodDto, StockDto, StockChangedView, UpdateCategoryDto, UpdateDiscountDto,
  UpdateProductDto, UpdateShippingMethodDto, UpdateVariantDto, VariantDto,
} from './admin.dto';

/** Attribute maps are small flat string maps (size: M, brand: acme). */
export function checkAttributes(field: string, attrs: Record<string, unknown> | undefined): Record<string, string> {
  const entries = Object.entries(attrs ?? {});
  if (entries.length > 20) throw invalidInput(`${field}: at most 20 attributes`);
  for (const [k, v] of entries) {
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(k)) throw invalidInput(`${field}: attribute name ${JSON.stringify(k)} must be lower-case letters, digits or _`);
    if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw invalidInput(`${field}.${k} must be a string of 1 to 100 characters`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

const exists = (what: string) => new DomainError(ErrorCode.Conflict, `${what} already exists`);

const conflictOnDuplicate = (what: string) => (err: unknown): never => {
  if (err instanceof NaturalKeyTakenError) throw exists(what);
  throw err;
};

/** How long an update made at another DC's database waits for it to reach this DC's (read your own write). */
const OWN_WRITE_WAIT_SECONDS = 2;

/**
 * The admin's catalog, stock, discount and shipping writes. Catalog rows belong to the DC that
 * made them (their key's prefix): a new row is written here, a change to a row at its owner's
 * database, local or over the WAN, so that each row has one writer and its changes one order.
 * Slugs, SKUs and codes are refused when any DC's row holds them (see the 1732800000000
 * migration for two DCs taking one within a replication lag). Every write clears this process's
 * catalog and pricing caches.
 */
@Injectable()
export class AdminService {
  constructor(
    @Inject(AdminRepository) private readonly repo: AdminRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(CatalogService) private readonly catalog: CatalogService,
    @Inject(PricingRules) private readonly rules: PricingRules,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(StockRepository) private readonly stock: StockRepository,
  ) {}

  private get db() {
    return this.router.local;
  }

  private changed(): void {
    this.catalog.invalidate();
    this.rules.invalidate();
  }

  /** The database of the DC that made a row: the only one that accepts writes to it. */
  private ownerOf(what: string, id: string): OrderDataSource {
    const dc = dcOfId(id);
    if (!dc || !this.router.reaches(dc)) throw notFound(what, id);
    return this.router.forOwner(dc);
  }

  private async refuseTaken(what: string, keys: NaturalKey[]): Promise<void> {
    if (await this.repo.taken(this.db, keys)) throw exists(what);
  }

  private async update(table: CatalogTable, what: string, id: string, changes: Changes, unique?: 'slug'): Promise<void> {
    const owner = this.ownerOf(what, id);
    const r = await this.repo.update(owner, table, id, changes, unique).catch(conflictOnDuplicate(what));
    if (!r.found) throw notFound(what, id);
    if (r.taken) throw exists(`a ${what} with ${unique} ${String(changes[unique!])}`);
    // the admin's next read is served from this DC's replica: let the change arrive first
    if (owner !== this.db && r.gtid) await this.db.run(gtidWait(r.gtid, OWN_WRITE_WAIT_SECONDS));
    this.changed();
  }

  async createCategory(ctx: RequestContext, dto: CategoryDto): Promise<{ id: string }> {
    const id = newId(ctx.dc);
    await this.refuseTaken(`category ${dto.slug}`, [{ table: 'category', column: 'slug', values: [dto.slug] }]);
    await this.repo.insertCategory(this.db, { id, ...dto }).catch(conflictOnDuplicate(`category ${dto.slug}`));
    this.changed();
    return { id };
  }

  async updateCategory(_ctx: RequestContext, id: string, dto: UpdateCategoryDto): Promise<void> {
    await this.update('category', 'category', id, { ...dto }, 'slug');
  }

  async createProduct(ctx: RequestContext, dto: ProductDto): Promise<{ id: string; variantIds: string[] }> {
    const attributes = checkAttributes('attributes', dto.attributes);
    const skus = new Set(dto.variants.map((v) => v.sku));
    if (skus.size !== dto.variants.length) throw invalidInput('variants: every sku must be different');
    const id = newId(ctx.dc);
    const variants = dto.variants.map((v, i) => this.newVariant(ctx, id, v, checkAttributes(`variants.${i}.attributes`, v.attributes), i));
    const stock = dto.variants.map((v) => v.stock ?? 0);
    const what = `a product with slug ${dto.slug} or one of these skus`;
    await this.refuseTaken(what, [{ table: 'product', column: 'slug', values: [dto.slug] }, { table: 'variant', column: 'sku', values: [...skus] }]);
    await this.db.transaction(async (tx) => {
      if (!await this.repo.categoryExists(tx, dto.categoryId)) throw notFound('category', dto.categoryId);
      await this.repo.insertProduct(tx, { id, slug: dto.slug, name: dto.name, description: dto.description, categoryId: dto.categoryId, attributes });
      await this.repo.insertVariants(tx, variants);
      await this.stock.setAllocations(tx, variants.map((v, i) => ({ id: newId(ctx.dc), variantId: v.id, dc: ctx.dc, available: stock[i] ?? 0 })));
    }).catch(conflictOnDuplicate(what));
    this.changed();
    return { id, variantIds: variants.map((v) => v.id) };
  }

  async updateProduct(_ctx: RequestContext, id: string, dto: UpdateProductDto): Promise<void> {
    if (dto.categoryId && !await this.repo.categoryExists(this.db, dto.categoryId)) throw notFound('category', dto.categoryId);
    const changes: Changes = {
      slug: dto.slug, name: dto.name, description: dto.description, category_id: dto.categoryId,
      attributes: dto.attributes === undefined ? undefined : JSON.stringify(checkAttributes('attributes', dto.attributes)),
      active: dto.active === undefined ? undefined : Number(dto.active),
    };
    await this.update('product', 'product', id, defined(changes), 'slug');
  }

  async addVariant(ctx: RequestContext, productId: string, dto: VariantDto): Promise<{ id: string }> {
    const attrs = checkAttributes('attributes', dto.attributes);
    await this.refuseTaken(`sku ${dto.sku}`, [{ table: 'variant', column: 'sku', values: [dto.sku] }]);
    const id = await this.db.transaction(async (tx) => {
      if (!await this.repo.productExists(tx, productId)) throw notFound('product', productId);
      const v = this.newVariant(ctx, productId, dto, attrs, await this.repo.nextVariantPosition(tx, productId));
      await this.repo.insertVariants(tx, [v]);
      await this.stock.setAllocations(tx, [{ id: newId(ctx.dc), variantId: v.id, dc: ctx.dc, available: dto.stock ?? 0 }]);
      return v.id;
    }).catch(conflictOnDuplicate(`sku ${dto.sku}`));
    this.changed();
    return { id };
  }

  async updateVariant(_ctx: RequestContext, id: string, dto: UpdateVariantDto): Promise<void> {
    const changes: Changes = {
      name: dto.name, price_minor: dto.price, tax_rate_bp: dto.taxRateBp,
      attributes: dto.attributes === undefined ? undefined : JSON.stringify(checkAttributes('attributes', dto.attributes)),
      active: dto.active === undefined ? undefined : Number(dto.active),
    };
    await this.update('variant', 'variant', id, defined(changes));
  }

  /**
   * Changes this DC's allocation of a variant (a DC only ever writes its own rows) by a delta, or to
   * a value if it still holds what the admin read: under the row's lock, so a checkout's decrement
   * in between is never overwritten.
   */
  async setStock(ctx: RequestContext, variantId: string, dto: StockDto): Promise<StockChangedView> {
    if (dto.delta !== undefined && dto.available !== undefined) throw invalidInput('stock: send either delta or available (with expected), not both');
    if (dto.available !== undefined && dto.expected === undefined) {
      throw invalidInput('expected: setting available needs the units it holds now, as read (or send delta): an absolute value races with sales');
    }
    if (!await this.repo.variantExists(this.db, variantId)) throw notFound('variant', variantId);
    const available = await this.db.transaction(async (tx) => {
      const current = await this.stock.lockAllocation(tx, variantId, ctx.dc);
      if (dto.expected !== undefined && current !== dto.expected) {
        throw new DomainError(ErrorCode.Conflict, `the allocation holds ${current} units, not ${dto.expected}: read it again`, { available: current });
      }
      const next = dto.delta !== undefined ? current + dto.delta : dto.available!;
      if (next < 0) throw new DomainError(ErrorCode.Conflict, `the allocation holds ${current} units: it cannot lose ${-dto.delta!}`, { available: current });
      await this.stock.setAllocations(tx, [{ id: newId(ctx.dc), variantId, dc: ctx.dc, available: next }]);
      return next;
    });
    this.changed();
    return { variantId, dc: ctx.dc, available };
  }

  async createDiscount(ctx: RequestContext, dto: DiscountDto): Promise<{ id: string }> {
    if (dto.kind === 'percentage' && dto.value > 100) throw invalidInput('value: a percentage is at most 100');
    const startsAt = dto.startsAt ? new Date(dto.startsAt) : null;
    const endsAt = dto.endsAt ? new Date(dto.endsAt) : null;
    if (startsAt && endsAt && endsAt <= startsAt) throw invalidInput('endsAt must be after startsAt');
    const id = newId(ctx.dc);
    if (dto.code) await this.refuseTaken(`discount code ${dto.code}`, [{ table: 'discount', column: 'code', values: [dto.code] }]);
    await this.repo.insertDiscount(this.db, {
      id, code: dto.code ?? null, name: dto.name, kind: dto.kind, value: dto.value,
      currency: dto.kind === 'amount' ? this.env.STORE_CURRENCY : null, startsAt, endsAt,
    }).catch(conflictOnDuplicate(`discount code ${dto.code}`));
    this.changed();
    return { id };
  }

  async updateDiscount(_ctx: RequestContext, id: string, dto: UpdateDiscountDto): Promise<void> {
    const current = await this.repo.findDiscount(this.ownerOf('discount', id), id);
    if (!current) throw notFound('discount', id);
    if (current.kind === 'percentage' && dto.value !== undefined && dto.value > 100) throw invalidInput('value: a percentage is at most 100');
    const startsAt = dto.startsAt ? new Date(dto.startsAt) : current.starts_at;
    const endsAt = dto.endsAt ? new Date(dto.endsAt) : current.ends_at;
    if (startsAt && endsAt && endsAt <= startsAt) throw invalidInput('endsAt must be after startsAt');
    await this.update('discount', 'discount', id, defined({
      name: dto.name, value: dto.value, starts_at: dto.startsAt ? startsAt : undefined, ends_at: dto.endsAt ? endsAt : undefined,
      active: dto.active === undefined ? undefined : Number(dto.active),
    }));
  }

  async createShippingMethod(ctx: RequestContext, dto: ShippingMethodDto): Promise<{ id: string }> {
    const id = newId(ctx.dc);
    await this.refuseTaken(`shipping method ${dto.code}`, [{ table: 'shipping_method', column: 'code', values: [dto.code] }]);
    await this.repo.insertShippingMethod(this.db, { id, ...dto, currency: this.env.STORE_CURRENCY })
      .catch(conflictOnDuplicate(`shipping method ${dto.code}`));
    this.changed();
    return { id };
  }

  async updateShippingMethod(_ctx: RequestContext, id: string, dto: UpdateShippingMethodDto): Promise<void> {
    await this.update('shipping_method', 'shipping method', id, defined({
      name: dto.name, price_minor: dto.price, active: dto.active === undefined ? undefined : Number(dto.active),
    }));
  }

  private newVariant(ctx: RequestContext, productId: string, v: VariantDto, attributes: Record<string, string>, position: number) {
    return { id: newId(ctx.dc), productId, sku: v.sku, name: v.name, price: v.price, currency: this.env.STORE_CURRENCY,
      taxRateBp: v.taxRateBp ?? 0, attributes, position };
  }
}

function defined(changes: Changes): Changes {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
}
