import type { Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { alertRulesRoutes } from './alert-rules.routes.ts';
import { alertsRoutes } from './alerts.routes.ts';
import { channelsRoutes } from './channels.routes.ts';
import { deliveriesRoutes } from './deliveries.routes.ts';
import { policiesRoutes } from './policies.routes.ts';
import { silencesRoutes } from './silences.routes.ts';

/** Every alerting route: alerts, rules, silences, channels, policies and the delivery ledger. */
export function alertingRoutes(db: Db, options: { clock?: () => Date } = {}): FastifyPluginAsyncZod {
  const clock = options.clock ?? (() => new Date());
  return async (app) => {
    await app.register(alertsRoutes(db, clock));
    await app.register(alertRulesRoutes(db));
    await app.register(silencesRoutes(db, clock));
    await app.register(channelsRoutes(db));
    await app.register(policiesRoutes(db));
    await app.register(deliveriesRoutes(db));
  };
}
