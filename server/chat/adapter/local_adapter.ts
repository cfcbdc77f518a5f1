import type {
  AdapterListener,
  ChatAdapter,
  ChatEvent,
  HistoryEntry,
  Presence,
  RoomInfo,
  UserId,
} from "./chat_adapter.ts";
import { ChatState, type ChatStateOptions } from "./chat_state.ts";

/**
 * The default adapter: one chat in this process, with no other node. Every
 * answer is immediate and nothing is published, so a single server pays
 * nothing for the seam.
 */
export class LocalAdapter implements ChatAdapter {
  readonly nodeId = "local";
  readonly #state: ChatState;

  constructor(options: ChatStateOptions) {
    this.#state = new ChatState(options);
  }

  start(_listener: AdapterListener): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  nextGuestNumber(): number {
    return this.#state.nextGuestNumber();
  }

  claimNick(user: UserId, nick: string): boolean {
    return this.#state.claimNick(user, nick);
  }

  releaseNick(user: UserId, nick: string): void {
    this.#state.releaseNick(user, nick);
  }

  setPresence(presence: Presence): void {
    this.#state.setPresence(presence);
  }

  updatePresence(user: UserId, change: Partial<Omit<Presence, "id">>): void {
    this.#state.updatePresence(user, change);
  }

  removePresence(user: UserId): void {
    this.#state.removePresence(user);
  }

  findNick(nick: string): Presence | null {
    return this.#state.findNick(nick);
  }

  userCount(): number {
    return this.#state.userCount();
  }

  users(): Presence[] {
    return this.#state.users();
  }

  members(room: string): Presence[] {
    return this.#state.members(room);
  }

  rooms(): RoomInfo[] {
    return this.#state.rooms();
  }

  setTopic(room: string, topic: string | null): void {
    this.#state.setTopic(room, topic);
  }

  topic(room: string): string | null {
    return this.#state.topic(room);
  }

  record(room: string, entry: HistoryEntry): void {
    this.#state.record(room, entry);
  }

  history(room: string): HistoryEntry[] {
    return this.#state.history(room);
  }

  publish(_event: ChatEvent): void {}
}
