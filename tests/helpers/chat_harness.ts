/**
 * The chat protocol in-process: a reactor with a manual clock, the chat on
 * the in-process adapter, and users on in-memory streams. For testing what
 * the chat says, to whom, and when, without sockets or waiting.
 */
import { Reactor } from "../../reactor/mod.ts";
import type { ChatAdapter } from "../../server/chat/adapter/chat_adapter.ts";
import { LocalAdapter } from "../../server/chat/adapter/local_adapter.ts";
import { type ChatProtocol, createChatProtocol } from "../../server/chat/chat_protocol.ts";
import type { ChatOptions } from "../../server/chat/chat_options.ts";
import { ManualClock, MemoryPeer, settle } from "./memory_stream.ts";

/** One user of a {@link ChatHarness}. */
export class HarnessUser {
  readonly peer: MemoryPeer;
  #seen = 0;

  constructor(peer: MemoryPeer) {
    this.peer = peer;
  }

  /** Every line received so far (CRLF stripped, the telnet opening removed). */
  get lines(): string[] {
    // The telnet opening (IAC DO BINARY, CR, ESC [ K) decodes as two U+FFFD, NUL, CR, ESC [ K.
    const opening = "\ufffd\ufffd\x00\r\x1b[K";
    const all = this.peer.text;
    const text = all.startsWith(opening) ? all.slice(opening.length) : all;
    return text.split("\r\n").slice(0, -1);
  }

  /** Lines received since the last call. */
  fresh(): string[] {
    const lines = this.lines;
    const out = lines.slice(this.#seen);
    this.#seen = lines.length;
    return out;
  }

  /** The nick the welcome gave. */
  get guestNick(): string {
    const line = this.lines.find((l) => l.startsWith("You are "));
    return /^You are ([^,]+),/.exec(line ?? "")?.[1] ?? "";
  }

  /** Sends one line (LF-terminated, as nc does). */
  send(line: string): void {
    this.peer.send(`${line}\n`);
  }
}

/** The harness itself. */
export class ChatHarness {
  readonly clock = new ManualClock();
  /** Wall-clock epoch ms the chat sees; tests move it with the clock. */
  wall = Date.UTC(2026, 11, 3, 12, 0, 0);
  readonly reactor: Reactor;
  readonly chat: ChatProtocol;
  #port = 40000;

  constructor(options: Partial<ChatOptions> = {}, adapter?: ChatAdapter) {
    this.reactor = new Reactor({
      clock: this.clock.read,
      heartbeatIntervalMs: 3_600_000,
      idleTimeoutMs: 300_000,
      idleGraceMs: 30_000,
    });
    this.chat = createChatProtocol({
      serverName: "echochat test",
      maxLineBytes: 4096,
      rateLimit: 1000,
      rateBurst: 1000,
      history: 20,
      maxRooms: 1000,
      idleTimeoutSeconds: 300,
      idleGraceSeconds: 30,
      now: this.clock.read,
      wallClock: () => this.wall,
      ...options,
    }, adapter ?? new LocalAdapter({ historyLines: options.history ?? 20 }));
  }

  /** Starts hearing other nodes (needed with a shared adapter). */
  start(): Promise<void> {
    return this.chat.start();
  }

  /** Connects a user and lets the welcome arrive. */
  async connect(): Promise<HarnessUser> {
    const peer = new MemoryPeer(this.#port++);
    this.reactor.add("chat", this.chat, peer.stream);
    await settle();
    const user = new HarnessUser(peer);
    user.fresh();
    return user;
  }

  /** Moves both clocks forward and runs a heartbeat. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    this.wall += ms;
    this.reactor.tick();
    await settle();
  }

  /** Lets pending I/O and turns run. */
  settle(): Promise<void> {
    return settle();
  }

  /** Closes everything. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.reactor.abort();
  }
}
