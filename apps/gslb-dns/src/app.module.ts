import { DynamicModule, Module } from '@nestjs/common';
import { DnsEnv } from './config/dns-env';
import { ZoneConfig } from './config/zone-config';
import { DnsLogger } from './dns/dns-logger';
import { DnsMetrics } from './dns/dns-metrics';
import { DnsServer } from './dns/dns-server.service';
import { GslbDnsController } from './gslb-dns.controller';
import { HealthPoller } from './health/health-poller.service';
import { ANSWER_ORDERING, AnswerOrdering, ProximityOrdering } from './zone/answer-ordering';
import { CountryMap } from './zone/countries';
import { Responder } from './zone/responder';

@Module({})
export class GslbDnsModule {
  static forRoot(env: DnsEnv, config: ZoneConfig, logger: DnsLogger): DynamicModule {
    return {
      module: GslbDnsModule,
      controllers: [GslbDnsController],
      providers: [
        { provide: DnsEnv, useValue: env }, { provide: ZoneConfig, useValue: config }, { provide: DnsLogger, useValue: logger },
        HealthPoller, DnsServer,
        { provide: ANSWER_ORDERING, useFactory: () => new ProximityOrdering(config) },
        { provide: Responder, inject: [ANSWER_ORDERING, HealthPoller], useFactory: (o: AnswerOrdering, h: HealthPoller) => new Responder(config, o, h,
          config.geoipDatabase ? new CountryMap(config.geoipDatabase, config.dcs.map((d) => ({ dc: d.code, countries: d.countries }))) : undefined) },
        { provide: DnsMetrics, inject: [HealthPoller], useFactory: (h: HealthPoller) => new DnsMetrics(h) },
      ],
    };
  }
}
