import type { Presence } from "./chat_adapter.ts";
import { ChatState, type ChatStateOptions } from "./chat_state.ts";
import type { FromHub, HubOperation, ToHub } from "./hub_protocol.ts";

/** One end of a message channel (a `MessagePort`, or a `Worker` itself). */
export interface Port {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close?(): void;
}

/**
 * The one chat of several worker threads, kept on the main thread: the
 * authoritative {@link ChatState} and the relay of events between workers.
 * Everything runs on one thread, so two workers claiming one nick at once
 * are served one after the other: exactly one wins.
 */
export class ChatHub {
  readonly #state: ChatState;
  readonly #ports = new Map<string, Port>();

  constructor(options: ChatStateOptions) {
    this.#state = new ChatState(options);
  }

  /** Serves the worker whose adapter is `nodeId` over `port`. */
  attach(nodeId: string, port: Port): void {
    this.#ports.set(nodeId, port);
    port.onmessage = (message) => this.#receive(nodeId, port, message.data as ToHub);
  }

  /**
   * Forgets a worker that stopped or died: its users leave (their nicks are
   * free at once) and everyone else is told.
   */
  detach(nodeId: string): Presence[] {
    const port = this.#ports.get(nodeId);
    this.#ports.delete(nodeId);
    if (port !== undefined) {
      // Messages the worker posted before it went away must not bring its users back.
      port.onmessage = null;
      port.close?.();
    }
    const gone = this.#state.removeNode(`${nodeId}/`);
    for (const user of gone) {
      this.#broadcast(null, {
        kind: "event",
        event: {
          kind: "room",
          room: user.room,
          line: `* ${user.nick} left (connection lost)`,
          except: null,
        },
      });
    }
    return gone;
  }

  /** How many users are online in all workers. */
  get users(): number {
    return this.#state.userCount();
  }

  #receive(nodeId: string, port: Port, message: ToHub): void {
    if (this.#ports.get(nodeId) !== port) return; // detached: its users are gone
    if (message.kind === "publish") {
      this.#broadcast(nodeId, { kind: "event", event: message.event });
      return;
    }
    const state = this.#state as unknown as Record<HubOperation, (...args: unknown[]) => unknown>;
    const value = state[message.op].apply(this.#state, message.args);
    if (message.id !== undefined) {
      port.postMessage({ kind: "reply", id: message.id, value } satisfies FromHub);
    }
  }

  #broadcast(from: string | null, message: FromHub): void {
    for (const [nodeId, port] of this.#ports) if (nodeId !== from) port.postMessage(message);
  }
}
