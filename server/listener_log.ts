import { getLogger } from "@logtape/logtape";
import { formatAddr, type ReactorObserver } from "../reactor/mod.ts";
import { LogBursts } from "./log_bursts.ts";
import { plural } from "./plural.ts";

const log = getLogger(["echochat", "listener"]);

/** The host part of an address, for per-address counts. */
function formatHost(addr: Deno.Addr): string {
  return addr.transport === "tcp" || addr.transport === "udp" ? addr.hostname : addr.transport;
}

/**
 * The listener log policy: accept failures and refusals are logged once
 * per burst with their counts, never once per attempt; a connection that
 * was gone before it was accepted is the peer's business (debug).
 * `describeRefusal` words an admission policy's refusal reasons for people
 * ("the address is in --deny"); a reason it does not know is logged as is.
 */
export function listenerLog(
  maxConnections: number,
  now?: () => number,
  describeRefusal?: (reason: string) => string | undefined,
): ReactorObserver {
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
    refused(listener, peer, reason) {
      const address = formatHost(peer);
      // Refusals at the connection limit are one burst for everyone; others, one per address.
      const count = bursts.note(reason === "limit" ? `limit:${listener}` : `${reason}:${address}`);
      const fields = { listener, peer: formatAddr(peer), reason, max: maxConnections, count };
      if (count === null) {
        log.debug("Connection from {peer} to {listener} refused ({reason})", fields);
      } else if (reason === "limit") {
        log.warn(
          "Refused {refused} to {listener}: {max} connections are open (--max-connections)",
          { ...fields, refused: plural(count, "connection") },
        );
      } else {
        log.warn("Refused {refused} from {address} to {listener}: {why}", {
          ...fields,
          address,
          why: describeRefusal?.(reason) ?? reason,
          refused: plural(count, "connection"),
        });
      }
    },
    shed(conn, queuedTotal) {
      const count = bursts.note("shed");
      const fields = {
        id: conn.id,
        listener: conn.listener,
        peer: formatAddr(conn.remoteAddr),
        queuedBytes: conn.queuedBytes,
        queuedTotal,
        count,
      };
      const message =
        "Output budget reached ({queuedTotal} bytes queued): closing connection {id} from {peer}, {queuedBytes} bytes behind";
      if (count === null) log.debug(message, fields);
      else log.warn(message, fields);
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
