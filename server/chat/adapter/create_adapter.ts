import type { Config } from "../../config.ts";
import type { ChatAdapter } from "./chat_adapter.ts";
import { LocalAdapter } from "./local_adapter.ts";
import { RedisAdapter } from "./redis_adapter.ts";

/**
 * The chat's shared state for this process: in Redis when `--redis` names
 * one (several servers form one chat), else in this process alone.
 */
export function createAdapter(
  config: Pick<Config, "redis" | "redisTtlMs" | "history">,
): ChatAdapter {
  if (config.redis === null) return new LocalAdapter({ historyLines: config.history });
  return new RedisAdapter({
    url: config.redis,
    ttlMs: config.redisTtlMs,
    historyLines: config.history,
  });
}
