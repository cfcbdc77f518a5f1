import { ReadyQueue } from "./ready_queue.ts";

/** Something the dispatcher serves: a connection with I/O to handle. */
export interface Task {
  /** Set while the task waits in the ready queue. Managed by the dispatcher. */
  queued: boolean;
  /** Set while the task waits for the end-of-turn flush. Managed by the dispatcher. */
  dirty: boolean;
  /** Hands what completed to the protocol and arms the next read. */
  serve(): void;
  /** Writes everything queued during the turn, in one write. */
  flush(): void;
}

/**
 * Most tasks served per event-loop iteration. Deno runs every socket op
 * under one tokio cooperative budget of 128 per iteration (see
 * `shared/notes/deno-fairness.md`); 100 connections (100 reads and 100
 * writes) measured fair, 120 already degraded.
 */
export const DEFAULT_DISPATCH_BUDGET = 100;

/**
 * The fair FIFO between Deno's completions and the protocols.
 *
 * A completed read (or write) only queues its connection. Turns serve
 * queued connections in order, at most `budget` per event-loop iteration,
 * and each serve arms at most one read, so no iteration asks Deno for more
 * reads than its budget can poll. That bound is what keeps 1,000 busy
 * connections fair: without it, the same ~128 sockets are served again and
 * again while the rest wait.
 *
 * Output is coalesced: a connection written to during a turn is marked
 * dirty, and the turn ends with one write per dirty connection, however
 * many lines it was sent (a chat line to a room of 1,000 costs 1,000 writes
 * per turn, not per line).
 *
 * When is the next turn? A turn starts as a microtask when the first
 * completion of an event-loop iteration queues something, so it runs after
 * every completion of that iteration is queued. It clears its "scheduled"
 * flag only at its end: connections it makes ready (writes it queues) do not
 * start another turn in the same iteration. A backlog left by the budget is
 * served on the next completion, which arrives in the next iteration; in
 * case none is pending, a turn that leaves a backlog arms a `setTimeout(0)`
 * fallback, which the next turn (usually started by a completion) cancels.
 */
export class Dispatcher {
  readonly #budget: number;
  readonly #ready = new ReadyQueue<Task>();
  #dirty: Task[] = [];
  #scheduled = false;
  #fallback: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  readonly #beforeTurn: () => void;
  readonly #taskFailed: (task: Task, error: unknown) => void;

  /**
   * `beforeTurn` runs at the start of every turn (the reactor reads its
   * clock there). `taskFailed` hears of a task that threw: one failing
   * connection must not stop the turns of all the others.
   */
  constructor(
    budget: number = DEFAULT_DISPATCH_BUDGET,
    beforeTurn: () => void = () => {},
    taskFailed: (task: Task, error: unknown) => void = () => {},
  ) {
    if (!(budget >= 1)) throw new RangeError("The dispatch budget must be at least 1");
    this.#budget = budget;
    this.#beforeTurn = beforeTurn;
    this.#taskFailed = taskFailed;
  }

  /** Tasks waiting to be served. */
  get backlog(): number {
    return this.#ready.length;
  }

  /** Queues `task` (once, however often it is called) and makes sure a turn will come. */
  enqueue(task: Task): void {
    if (task.queued) return;
    task.queued = true;
    this.#ready.push(task);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(this.#turn);
  }

  /** Flushes `task` at the end of the current (or next) turn. */
  markDirty(task: Task): void {
    if (task.dirty) return;
    task.dirty = true;
    this.#dirty.push(task);
    this.#schedule();
  }

  /** Stops scheduling turns and cancels the fallback timer. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#fallback);
    this.#fallback = undefined;
  }

  readonly #turn = (): void => {
    try {
      this.#runTurn();
    } finally {
      this.#scheduled = false;
    }
  };

  #runTurn(): void {
    this.#beforeTurn();
    if (this.#fallback !== undefined) {
      clearTimeout(this.#fallback);
      this.#fallback = undefined;
    }
    const ready = this.#ready;
    // Only what was ready when the turn began: work it creates waits.
    for (let n = Math.min(this.#budget, ready.length); n > 0; n--) {
      const task = ready.shift() as Task;
      task.queued = false;
      try {
        task.serve();
      } catch (error) {
        this.#taskFailed(task, error);
      }
    }
    const dirty = this.#dirty;
    if (dirty.length > 0) {
      this.#dirty = [];
      for (const task of dirty) {
        task.dirty = false;
        try {
          task.flush();
        } catch (error) {
          this.#taskFailed(task, error);
        }
      }
    }
    if (ready.length > 0 && !this.#stopped) {
      this.#fallback = setTimeout(this.#wake, 0);
    }
  }

  readonly #wake = (): void => {
    this.#fallback = undefined;
    if (this.#scheduled || (this.#ready.length === 0 && this.#dirty.length === 0)) return;
    this.#scheduled = true;
    this.#turn();
  };
}
