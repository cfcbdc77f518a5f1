import { getLogger } from "@logtape/logtape";
import { formatAddr, type ReactorObserver } from "../reactor/mod.ts";
import { LogBursts } from "./log_bursts.ts";
import { plural } from "./plural.ts";

const log = getLogger(["echochat", "listener"]);

/**
 * The listener log policy: accept failures and refusals are logged once
 * per burst with their counts, never once per attempt; a connection that
 * was gone before it was accepted is the peer's business (debug).
 */
export function listenerLog(maxConnections: number, now?: () => number): ReactorObserver {
  const bursts = new LogBursts(now === undefined ? {} : { now });
  return {
    acceptFailed(listener, error, kind, failures) {
      const cause = error instanceof Error ? error.message : String(error);
      if (kind === "peer") {
        log.debug("A connection to {listener} was gone before it was accepted: {cause}", {
          listener,
          cause,
        });
        return;
      }
      const count = bursts.note(`accept:${listener}`);
      if (count === null) {
        log.debug("Accepting on {listener} failed again: {cause}", { listener, cause, failures });
      } else {
        log.warn("Accepting on {listener} failed ({attempts}): {cause}; retrying with backoff", {
          listener,
          cause,
          count,
          attempts: plural(count, "time"),
        });
      }
    },
    acceptResumed(listener, failures) {
      const fields = { listener, failures, attempts: plural(failures, "failed attempt") };
      const message = "Accepting on {listener} again after {attempts}";
      if (bursts.note(`resumed:${listener}`) === null) log.debug(message, fields);
      else log.info(message, fields);
    },
    refused(listener, peer) {
      const count = bursts.note(`limit:${listener}`);
      const fields = { listener, peer: formatAddr(peer), max: maxConnections, count };
      if (count === null) {
        log.debug("Connection from {peer} to {listener} refused: server full", fields);
      } else {
        log.warn(
          "Refused {refused} to {listener}: {max} connections are open (--max-connections)",
          { ...fields, refused: plural(count, "connection") },
        );
      }
    },
    handlerFailed(conn, error) {
      log.error("Protocol {listener} failed on connection {id}: {error}", {
        listener: conn.listener,
        id: conn.id,
        error,
      });
    },
  };
}
