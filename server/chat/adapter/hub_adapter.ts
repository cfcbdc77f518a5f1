import type { Port } from "./chat_hub.ts";
import type {
  AdapterListener,
  ChatAdapter,
  ChatEvent,
  HistoryEntry,
  Presence,
  RoomInfo,
  UserId,
} from "./chat_adapter.ts";
import type { FromHub, HubOperation, ToHub } from "./hub_protocol.ts";

/**
 * The adapter of a worker thread: every question goes to the {@link ChatHub}
 * on the main thread and is answered later; changes are sent without
 * waiting. One port carries everything in order, so a user's lines, claims
 * and presence changes reach the hub in the order they happened.
 */
export class HubAdapter implements ChatAdapter {
  readonly nodeId: string;
  readonly #port: Port;
  readonly #waiting = new Map<number, (value: unknown) => void>();
  #nextId = 1;
  #listener: AdapterListener | null = null;

  constructor(nodeId: string, port: Port) {
    this.nodeId = nodeId;
    this.#port = port;
    port.onmessage = (message) => this.#receive(message.data as FromHub);
  }

  start(listener: AdapterListener): Promise<void> {
    this.#listener = listener;
    return Promise.resolve();
  }

  close(): Promise<void> {
    // The hub frees this node's users when the supervisor detaches it.
    this.#listener = null;
    this.#port.onmessage = null;
    this.#port.close?.();
    this.#waiting.clear();
    return Promise.resolve();
  }

  nextGuestNumber(): Promise<number> {
    return this.#call("nextGuestNumber");
  }

  claimNick(user: UserId, nick: string): Promise<boolean> {
    return this.#call("claimNick", user, nick);
  }

  releaseNick(user: UserId, nick: string): void {
    this.#send("releaseNick", user, nick);
  }

  setPresence(presence: Presence): void {
    this.#send("setPresence", presence);
  }

  updatePresence(user: UserId, change: Partial<Omit<Presence, "id">>): void {
    this.#send("updatePresence", user, change);
  }

  removePresence(user: UserId): void {
    this.#send("removePresence", user);
  }

  findNick(nick: string): Promise<Presence | null> {
    return this.#call("findNick", nick);
  }

  userCount(): Promise<number> {
    return this.#call("userCount");
  }

  users(): Promise<Presence[]> {
    return this.#call("users");
  }

  members(room: string): Promise<Presence[]> {
    return this.#call("members", room);
  }

  rooms(): Promise<RoomInfo[]> {
    return this.#call("rooms");
  }

  setTopic(room: string, topic: string | null): void {
    this.#send("setTopic", room, topic);
  }

  topic(room: string): Promise<string | null> {
    return this.#call("topic", room);
  }

  record(room: string, entry: HistoryEntry): void {
    this.#send("record", room, entry);
  }

  history(room: string): Promise<HistoryEntry[]> {
    return this.#call("history", room);
  }

  publish(event: ChatEvent): void {
    this.#port.postMessage({ kind: "publish", event } satisfies ToHub);
  }

  #call<T>(op: HubOperation, ...args: unknown[]): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve as (value: unknown) => void);
      this.#port.postMessage({ kind: "call", id, op, args } satisfies ToHub);
    });
  }

  #send(op: HubOperation, ...args: unknown[]): void {
    this.#port.postMessage({ kind: "call", op, args } satisfies ToHub);
  }

  #receive(message: FromHub): void {
    if (message.kind === "reply") {
      const resolve = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      resolve?.(message.value);
    } else this.#listener?.event(message.event);
  }
}
