import type { Protocol } from "../../reactor/mod.ts";
import type { CloseDetails } from "../connection_log.ts";
import type { ChatAdapter } from "./adapter/chat_adapter.ts";
import { type ChatHandler, createChatHandler } from "./chat_handler.ts";
import type { ChatStats } from "./chat_node.ts";
import type { ChatOptions } from "./chat_options.ts";
import type { Session } from "./session.ts";

/** The chat protocol with its buffering, its "server full" line and its close-log details. */
export interface ChatProtocol extends Protocol<Session> {
  /** Nick, room and why, for the connection log's close line. */
  closeDetails: CloseDetails<Session>;
  /** This server's chat figures now. */
  stats(): ChatStats;
  /** Starts hearing the other servers (a no-op alone). */
  start(): Promise<void>;
  /** Releases what this server holds in the shared state and disconnects from it. */
  close(): Promise<void>;
}

/**
 * Chat output is driven by other people's messages, not by the reader's own
 * input, so pausing its reads does not slow it down: past the default high
 * watermark (64 KiB queued) it is behind, and at 256 KiB it is disconnected
 * as a slow consumer.
 */
const CHAT_BUFFERS = { maxQueuedBytes: 256 * 1024 };

/** What a chat client refused at `--max-connections` reads before the close. */
const SERVER_FULL = new TextEncoder().encode("! The server is full: please try again later\r\n");

/** Assembles the chat protocol for a listener, over `adapter`'s shared state. */
export function createChatProtocol(options: ChatOptions, adapter: ChatAdapter): ChatProtocol {
  const handler: ChatHandler = createChatHandler(options, adapter);
  return {
    handler,
    buffers: CHAT_BUFFERS,
    refusal: SERVER_FULL,
    tick: (now) => handler.tick(now),
    closeDetails: (conn) => conn.state?.closeDetails() ?? {},
    stats: () => handler.stats(),
    start: () => handler.start(),
    close: () => adapter.close(),
  };
}
