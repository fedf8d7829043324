import { Controller, Get, Header, Inject } from '@nestjs/common';
import { DASHBOARD_PAGE } from './dashboard-page';
import { DashboardData, DashboardService } from './dashboard.service';

@Controller('dashboard')
export class DashboardController {
  constructor(@Inject(DashboardService) private readonly dashboard: DashboardService) {}

  /** The operators' page; it refreshes itself from `dashboard/data`. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
  page(): string {
    return DASHBOARD_PAGE;
  }

  /** Every DC as its aggregators answer (this one included), and what each geo-DNS server answers. */
  @Get('data')
  @Header('cache-control', 'no-store')
  data(): Promise<DashboardData> {
    return this.dashboard.data();
  }
}
