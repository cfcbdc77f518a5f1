import { getLogger } from "@logtape/logtape";
import type { CloseReason, Conn, Handler } from "../../reactor/mod.ts";
import type { ChatAdapter } from "./adapter/chat_adapter.ts";
import { runCommand } from "./chat_commands.ts";
import { ChatNode, type ChatStats } from "./chat_node.ts";
import type { ChatOptions } from "./chat_options.ts";
import { parseCommand } from "./commands.ts";
import type { LineSink } from "./line_decoder.ts";
import { Session } from "./session.ts";

const log = getLogger(["echochat", "chat"]);

/** The chat protocol's handler, which also reports its figures and does timed work. */
export interface ChatHandler extends Handler<Session> {
  /** This server's chat figures now. */
  stats(): ChatStats;
  /** The heartbeat's timed work: join announcements, "you may speak again" notices. */
  tick(now: number): void;
  /** Starts hearing the other servers (a no-op alone). */
  start(): Promise<void>;
}

/**
 * The chat protocol for `telnet` and `nc` users: nicknames, rooms, private
 * messages, presence and `/`-commands, one line at a time.
 *
 * Conventions on the wire: room talk is `[room] <nick> text`, private
 * messages `[private] <nick> text`, notices start with `* `, errors with
 * `! `. A sender never gets its own message back. Lines out end with CRLF.
 *
 * Flood control: each connection has a token bucket; a refused line is
 * dropped (the first with a notice), and once tokens are back the user is
 * told how many were dropped. `2 x burst` refused lines in a row
 * disconnect the sender.
 */
export function createChatHandler(options: ChatOptions, adapter: ChatAdapter): ChatHandler {
  const node = new ChatNode(adapter, options);
  const floodLimit = 2 * options.rateBurst;

  function onLine(session: Session, line: string): void {
    if (session.leaving) return;
    if (!session.bucket.tryTake()) {
      session.refusedInRow++;
      node.throttle(session);
      if (session.refusedInRow === 1) {
        node.tell(
          session,
          `! Slow down: at most ${options.rateLimit} lines per second; this line was dropped`,
        );
      }
      if (session.refusedInRow >= floodLimit) {
        node.tell(session, "! Disconnected for flooding");
        session.kickedFor = "flooding";
        log.info("Connection {id} disconnected for flooding", { id: session.conn.id });
        session.conn.end();
      }
      return;
    }
    const queued = session.run(() => {
      if (session.leaving || !session.joined) return;
      session.lastActive = options.wallClock();
      adapter.updatePresence(session.id, { lastActive: session.lastActive });
      node.announce(session);
      return runCommand(node, session, parseCommand(line));
    });
    if (!queued) node.tell(session, "! Too many lines waiting: this one was dropped");
  }

  /** What every session's sink shares: one object, so a session costs one small sink. */
  const shared: SinkContext = {
    onLine,
    tell: (session, line) => node.tell(session, line),
    serverName: options.serverName,
  };

  return {
    stats: () => node.stats(),
    tick: (now) => node.tick(now),
    start: () => node.start(),
    onOpen(conn: Conn<Session>): Session {
      const session = new Session(
        conn,
        `${adapter.nodeId}/${conn.id}`,
        options.wallClock(),
        options,
      );
      session.sink = new SessionSink(session, shared);
      session.failed = (error) => {
        log.error("Chat failed on connection {id}: {error}", { id: conn.id, error });
        conn.end();
      };
      // Telnet: ask for 8-bit input first, so the very first typed line is clean.
      conn.write(session.decoder.telnet.open());
      node.open(session);
      return session;
    },
    onData(conn: Conn<Session>, bytes: Uint8Array): void {
      conn.state.decoder.push(bytes, conn.state.sink);
    },
    onEnd(conn: Conn<Session>): void {
      // The user's last lines may still wait for the shared state: leave after them.
      const session = conn.state;
      session.ended = true;
      session.decoder.end(session.sink);
      session.run(() => conn.end(), { always: true });
    },
    onIdle(conn: Conn<Session>): void {
      const session = conn.state;
      if (session.telnet) {
        // A telnet answers the probe by itself: a reader who only listens stays.
        session.probed = true;
        conn.write(session.decoder.telnet.probe());
        return;
      }
      node.tell(
        session,
        `! You have been idle a while: send anything within ${options.idleGraceSeconds} s to stay connected`,
      );
    },
    onClose(conn: Conn<Session>, reason: CloseReason): void {
      const session = conn.state;
      if (session === undefined) return;
      if (reason === "idle" && !session.probed) {
        node.tell(session, "! Disconnected: idle for too long");
      } else if (reason === "shutdown") {
        node.tell(session, "! The server is shutting down. Goodbye!");
      }
      node.close(session, reason);
    },
  };
}

/** What {@link SessionSink}s share. */
interface SinkContext {
  onLine(session: Session, line: string): void;
  tell(session: Session, line: string): void;
  serverName: string;
}

/**
 * The decoder's callbacks for one session: methods on a prototype, so each
 * session pays for one small object rather than a closure per callback.
 */
class SessionSink implements LineSink {
  readonly #session: Session;
  readonly #context: SinkContext;

  constructor(session: Session, context: SinkContext) {
    this.#session = session;
    this.#context = context;
  }

  onLine(line: string): void {
    this.#context.onLine(this.#session, line);
  }

  onOversize(limit: number): void {
    this.#context.tell(this.#session, `! Line too long (over ${limit} bytes): it was dropped`);
  }

  onTelnetReply(bytes: Uint8Array): void {
    this.#session.conn.write(bytes);
  }

  onTelnetCommand(command: string): void {
    if (command === "are-you-there") {
      this.#context.tell(this.#session, `[${this.#context.serverName}: yes]`);
    }
  }

  onTimingMark(): void {
    this.#session.probed = false;
  }
}
