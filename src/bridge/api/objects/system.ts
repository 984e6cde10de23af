/** `/system/status`: what TMS polls before every action. */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { route, xml } from '../routes.ts';
import { xmlDocument } from '../xml.ts';

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function registerSystemStatus(app: FastifyInstance, ctx: BridgeContext): void {
  route(app, '/system/status', {
    GET: async () => {
      const now = ctx.clock.now();
      const live = ctx.liveStatus();
      const bridges = await ctx.storage.callBridges.list();
      return xml(
        xmlDocument({
          tag: 'status',
          children: [
            ['softwareVersion', ctx.softwareVersion],
            ['uptimeSeconds', Math.max(0, Math.floor((now - ctx.startedAtMs) / 1000))],
            ['cdrTime', rfc3339(now)],
            ['activated', true],
            ['clusterEnabled', bridges.length > 1],
            ['cdrCorrelatorIndex', ctx.cdrPipeline.nextCorrelatorIndex],
            ['callLegsActive', live.callLegsActive],
            ['callLegsMaxActive', live.callLegsMaxActive],
            ['callLegsCompleted', live.callLegsCompleted],
            ['audioBitRateOutgoing', live.audioBitRateOutgoing],
            ['audioBitRateIncoming', live.audioBitRateIncoming],
            ['videoBitRateOutgoing', live.videoBitRateOutgoing],
            ['videoBitRateIncoming', live.videoBitRateIncoming],
          ],
        }),
      );
    },
  });
}
