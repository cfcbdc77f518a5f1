/**
 * The messages between a worker's {@link HubAdapter} and the {@link ChatHub}
 * on the main thread. Requests that need an answer carry an id; the hub
 * answers them in order, over one `MessagePort` per worker, which keeps the
 * order of every worker's messages.
 *
 * @module
 */
import type { ChatEvent } from "./chat_adapter.ts";
import type { ChatState } from "./chat_state.ts";

/** The shared-state operations a worker may call, by name (all of {@link ChatState}'s but node bookkeeping). */
export type HubOperation = Exclude<keyof ChatState, "removeNode">;

/** A worker to the hub. */
export type ToHub =
  /** Call `op` on the shared state; answer with `id` if present. */
  | { kind: "call"; id?: number; op: HubOperation; args: unknown[] }
  /** Pass `event` to every other worker. */
  | { kind: "publish"; event: ChatEvent };

/** The hub to a worker. */
export type FromHub =
  /** The answer to call `id`. */
  | { kind: "reply"; id: number; value: unknown }
  /** Another worker's event. */
  | { kind: "event"; event: ChatEvent };
