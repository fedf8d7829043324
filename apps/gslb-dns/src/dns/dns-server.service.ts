import { createSocket, Socket } from 'node:dgram';
import { AddressInfo, createServer, Server, Socket as TcpSocket } from 'node:net';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DnsEnv } from '../config/dns-env';
import { HealthPoller } from '../health/health-poller.service';
import { Responder, Response } from '../zone/responder';
import { DnsLogger } from './dns-logger';
import { DnsMetrics } from './dns-metrics';

/** TCP (RFC 7766): connections kept this long idle; at most this many at once; a frame is at most 64 KiB by its length field. */
const TCP_IDLE_MS = 10000;
const TCP_MAX_CONNECTIONS = 512;

/**
 * The zone over UDP and TCP on one address. Sockets are opened only once there is a health state
 * to answer from (from disk at once, or after the first poll, bounded): no answer is made up.
 */
@Injectable()
export class DnsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private udp?: Socket;
  private tcp?: Server;
  private readonly connections = new Set<TcpSocket>();
  private failOpenLogged = -1;

  constructor(@Inject(DnsEnv) private readonly env: DnsEnv, @Inject(Responder) private readonly responder: Responder,
    @Inject(HealthPoller) private readonly poller: HealthPoller, @Inject(DnsMetrics) private readonly metrics: DnsMetrics,
    @Inject(DnsLogger) private readonly logger: DnsLogger) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.poller.ready;
    const udp = this.udp = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    udp.on('message', (msg, rinfo) => {
      const r = this.answer(msg, rinfo.address, 'udp');
      if (r.packet) udp.send(r.packet, rinfo.port, rinfo.address);
    });
    udp.on('error', (err) => this.logger.error('UDP socket error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.env.DNS_PORT, this.env.DNS_HOST, () => resolve());
    });
    // TCP on the same port as UDP got (it may have been 0: any free port)
    const tcp = this.tcp = createServer((s) => this.serveTcp(s));
    tcp.maxConnections = TCP_MAX_CONNECTIONS;
    tcp.on('error', (err) => this.logger.error('TCP server error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(udp.address().port, this.env.DNS_HOST, () => resolve());
    });
    const s = this.poller.snapshot();
    this.logger.info(`answering on ${this.env.DNS_HOST}:${udp.address().port} (UDP and TCP)`, { coldStart: s.coldStart,
      dcs: Object.fromEntries(s.dcs.map((d) => [d.dc, d.state ?? 'unknown'])) });
  }

  async onApplicationShutdown(): Promise<void> {
    this.udp?.close();
    for (const c of this.connections) c.destroy();
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
  }

  /** The port both sockets listen on. */
  port(): number {
    return (this.udp?.address() as AddressInfo | undefined)?.port ?? 0;
  }

  private answer(msg: Buffer, from: string, transport: 'udp' | 'tcp'): Response {
    const r = this.responder.respond(msg, from, transport);
    this.metrics.count(transport, r);
    if (r.failOpen && this.failOpenLogged !== this.poller.version) {
      this.failOpenLogged = this.poller.version;
      this.logger.warn('every DC fails: answering nearest first anyway (fail open)', { region: r.region });
    }
    return r;
  }

  /** Length-prefixed queries, answered in order; a broken frame or an idle connection is closed. */
  private serveTcp(socket: TcpSocket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const r = this.answer(msg, socket.remoteAddress ?? '', 'tcp');
        if (!r.packet) {
          socket.destroy(); // not a query: nothing more from this peer is worth reading
          return;
        }
        const framed = Buffer.allocUnsafe(2 + r.packet.length);
        framed.writeUInt16BE(r.packet.length, 0);
        r.packet.copy(framed, 2);
        socket.write(framed);
      }
    });
  }
}
