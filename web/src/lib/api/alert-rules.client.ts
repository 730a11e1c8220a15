// API calls that create and delete a store's alert rules and backtest a proposed one. Listing and
// replacing rules stay in client.ts with the rest of the rules page's reads.
import type { AlertRule, AlertRuleInput, BacktestRequest, BacktestResponse } from '@shelfsense/contracts';
import { storePath, withArrays, withId, type Http } from './http.ts';

export interface AlertRulesClient {
  /** Scope `write`; the server makes the id. A 400 names the bad fields in `details`. */
  createAlertRule(storeId: string, rule: AlertRuleInput, signal?: AbortSignal): Promise<AlertRule>;
  /** Deletes the rule with its alerts and their history (scope `write`). */
  deleteAlertRule(storeId: string, ruleId: string, signal?: AbortSignal): Promise<void>;
  /**
   * What a proposed rule (saved or not) would have raised over a stored range; nothing is recorded
   * or sent. 503 `unavailable` when no stream processor answered.
   */
  backtestAlertRule(request: BacktestRequest, signal?: AbortSignal): Promise<BacktestResponse>;
}

export function alertRulesClient(http: Http): AlertRulesClient {
  const rulePath = (storeId: string, ruleId: string) => storePath(storeId, `alert-rules/${encodeURIComponent(ruleId)}`);
  return {
    async createAlertRule(storeId, rule, signal) {
      return withId<AlertRule>(await http.json('POST', storePath(storeId, 'alert-rules'), signal, rule), 'alert rule');
    },
    async deleteAlertRule(storeId, ruleId, signal) {
      await http.noContent('DELETE', rulePath(storeId, ruleId), signal);
    },
    async backtestAlertRule(request, signal) {
      const body = await http.json('POST', '/api/v1/alert-rules/backtest', signal, request);
      return withArrays<BacktestResponse>(body, 'backtest', ['alerts', 'series']);
    },
  };
}
