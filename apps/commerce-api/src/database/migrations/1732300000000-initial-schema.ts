import { MigrationInterface, QueryRunner } from 'typeorm';

// Keys are `<dc>_<ULID>` in ascii_bin. Foreign keys only join rows of one aggregate (one owner DC):
// a cart line may point at a variant another DC created and that has not replicated yet, so
// cross-owner references are checked by the services, not by the database.
const ID = 'VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin';
const DC = 'VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin';
const CURRENCY = 'CHAR(3) CHARACTER SET ascii COLLATE ascii_bin';
const STAMPS = `created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)`;
const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

const statements = [
  `CREATE TABLE IF NOT EXISTS category (
    id ${ID} PRIMARY KEY,
    slug VARCHAR(120) NOT NULL,
    name VARCHAR(200) NOT NULL,
    ${STAMPS},
    UNIQUE KEY uq_category_slug (slug)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS product (
    id ${ID} PRIMARY KEY,
    slug VARCHAR(160) NOT NULL,
    name VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    category_id ${ID} NOT NULL,
    attributes JSON NOT NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    ${STAMPS},
    UNIQUE KEY uq_product_slug (slug),
    KEY ix_product_active (active, id),
    KEY ix_product_category (category_id, active, id),
    FULLTEXT KEY ft_product (name, description)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS variant (
    id ${ID} PRIMARY KEY,
    product_id ${ID} NOT NULL,
    sku VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    price_minor INT UNSIGNED NOT NULL,
    currency ${CURRENCY} NOT NULL,
    tax_rate_bp SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    attributes JSON NOT NULL,
    position SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    active TINYINT(1) NOT NULL DEFAULT 1,
    ${STAMPS},
    UNIQUE KEY uq_variant_sku (sku),
    KEY ix_variant_product (product_id, position),
    KEY ix_variant_price (price_minor, product_id),
    CONSTRAINT fk_variant_product FOREIGN KEY (product_id) REFERENCES product (id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS stock_allocation (
    id ${ID} PRIMARY KEY,
    variant_id ${ID} NOT NULL,
    dc ${DC} NOT NULL,
    available INT UNSIGNED NOT NULL,
    ${STAMPS},
    UNIQUE KEY uq_stock_variant_dc (variant_id, dc)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS account (
    id ${ID} PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    name VARCHAR(200) NOT NULL,
    role ENUM('customer', 'admin') NOT NULL DEFAULT 'customer',
    home_dc ${DC} NOT NULL,
    home_epoch INT UNSIGNED NOT NULL DEFAULT 1,
    last_login_at DATETIME(3) NULL,
    ${STAMPS},
    UNIQUE KEY uq_account_email (email)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS session (
    id ${ID} PRIMARY KEY,
    account_id ${ID} NOT NULL,
    expires_at DATETIME(3) NOT NULL,
    revoked_at DATETIME(3) NULL,
    user_agent VARCHAR(255) NULL,
    ${STAMPS},
    KEY ix_session_account (account_id),
    CONSTRAINT fk_session_account FOREIGN KEY (account_id) REFERENCES account (id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS login_throttle (
    id ${ID} PRIMARY KEY,
    throttle_key VARCHAR(300) NOT NULL,
    failures INT UNSIGNED NOT NULL,
    window_start DATETIME(3) NOT NULL,
    UNIQUE KEY uq_login_throttle_key (throttle_key)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS shipping_method (
    id ${ID} PRIMARY KEY,
    code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name VARCHAR(200) NOT NULL,
    price_minor INT UNSIGNED NOT NULL,
    currency ${CURRENCY} NOT NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    ${STAMPS},
    UNIQUE KEY uq_shipping_code (code)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS discount (
    id ${ID} PRIMARY KEY,
    code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
    name VARCHAR(200) NOT NULL,
    kind ENUM('percentage', 'amount') NOT NULL,
    value INT UNSIGNED NOT NULL,
    currency ${CURRENCY} NULL,
    starts_at DATETIME(3) NULL,
    ends_at DATETIME(3) NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    ${STAMPS},
    UNIQUE KEY uq_discount_code (code)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS cart (
    id ${ID} PRIMARY KEY,
    account_id ${ID} NULL,
    active_account_id ${ID} NULL COMMENT 'account_id while status = active: at most one active cart per account',
    owner_dc ${DC} NOT NULL,
    status ENUM('active', 'ordered', 'merged') NOT NULL DEFAULT 'active',
    currency ${CURRENCY} NOT NULL,
    discount_code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
    shipping_method_code VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ${STAMPS},
    UNIQUE KEY uq_cart_active_account (active_account_id),
    KEY ix_cart_account (account_id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS cart_line (
    id ${ID} PRIMARY KEY,
    cart_id ${ID} NOT NULL,
    variant_id ${ID} NOT NULL,
    quantity SMALLINT UNSIGNED NOT NULL,
    ${STAMPS},
    UNIQUE KEY uq_cart_line (cart_id, variant_id),
    CONSTRAINT fk_cart_line_cart FOREIGN KEY (cart_id) REFERENCES cart (id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS orders (
    id ${ID} PRIMARY KEY,
    number VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id ${ID} NULL,
    cart_id ${ID} NOT NULL,
    email VARCHAR(254) NOT NULL,
    status ENUM('placed', 'payment_pending', 'paid', 'confirmed', 'shipped', 'delivered', 'cancelled') NOT NULL,
    currency ${CURRENCY} NOT NULL,
    subtotal BIGINT UNSIGNED NOT NULL,
    discount_total BIGINT UNSIGNED NOT NULL,
    shipping_total BIGINT UNSIGNED NOT NULL,
    tax_total BIGINT UNSIGNED NOT NULL,
    total BIGINT UNSIGNED NOT NULL,
    discount_code VARCHAR(64) NULL,
    shipping_method_code VARCHAR(64) NOT NULL,
    shipping_address JSON NOT NULL,
    placed_dc ${DC} NOT NULL,
    ${STAMPS},
    UNIQUE KEY uq_order_number (number),
    KEY ix_order_account (account_id, created_at),
    KEY ix_order_cart (cart_id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS order_line (
    id ${ID} PRIMARY KEY,
    order_id ${ID} NOT NULL,
    variant_id ${ID} NOT NULL,
    sku VARCHAR(64) NOT NULL,
    product_name VARCHAR(200) NOT NULL,
    variant_name VARCHAR(200) NOT NULL,
    quantity SMALLINT UNSIGNED NOT NULL,
    unit_price INT UNSIGNED NOT NULL,
    tax_rate_bp SMALLINT UNSIGNED NOT NULL,
    line_total BIGINT UNSIGNED NOT NULL,
    KEY ix_order_line_order (order_id),
    CONSTRAINT fk_order_line_order FOREIGN KEY (order_id) REFERENCES orders (id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS order_event (
    id ${ID} PRIMARY KEY,
    order_id ${ID} NOT NULL,
    from_status VARCHAR(20) NULL,
    to_status VARCHAR(20) NOT NULL,
    actor VARCHAR(80) NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY ix_order_event_order (order_id),
    CONSTRAINT fk_order_event_order FOREIGN KEY (order_id) REFERENCES orders (id)
  ) ${TABLE}`,
  `CREATE TABLE IF NOT EXISTS idempotency_key (
    id ${ID} PRIMARY KEY,
    scope VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    order_id ${ID} NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uq_idempotency (scope, idem_key)
  ) ${TABLE}`,
];

const tables = [
  'idempotency_key', 'order_event', 'order_line', 'orders', 'cart_line', 'cart', 'discount', 'shipping_method',
  'login_throttle', 'session', 'account', 'stock_allocation', 'variant', 'product', 'category',
];

export class InitialSchema1732300000000 implements MigrationInterface {
  name = 'InitialSchema1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const t of tables) await queryRunner.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
