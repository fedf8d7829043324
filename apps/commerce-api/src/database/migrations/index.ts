import { InitialSchema1732300000000 } from './1732300000000-initial-schema';
import { StockReservation1732400000000 } from './1732400000000-stock-reservation';
import { StockTransfer1732500000000 } from './1732500000000-stock-transfer';
import { CartAdoption1732600000000 } from './1732600000000-cart-adoption';
import { AccountEmailPerDc1732700000000 } from './1732700000000-account-email-per-dc';
import { KeysPerOrigin1732800000000 } from './1732800000000-keys-per-origin';
import { StockTransferKey1732900000000 } from './1732900000000-stock-transfer-key';
import { WrittenDomain1733000000000 } from './1733000000000-written-domain';
import { ReceiptUnits1733100000000 } from './1733100000000-receipt-units';
import { ReservationCart1733200000000 } from './1733200000000-reservation-cart';
import { HealthBeacon1733300000000 } from './1733300000000-health-beacon';
import { DcFence1733400000000 } from './1733400000000-dc-fence';

/** Every migration, oldest first (listed, not globbed, so that the build output needs no file scan). */
export const migrations = [InitialSchema1732300000000, StockReservation1732400000000, StockTransfer1732500000000, CartAdoption1732600000000,
  AccountEmailPerDc1732700000000, KeysPerOrigin1732800000000, StockTransferKey1732900000000, WrittenDomain1733000000000,
  ReceiptUnits1733100000000, ReservationCart1733200000000, HealthBeacon1733300000000, DcFence1733400000000];
