import assert from "node:assert/strict";
import { Dispatcher, type Task } from "../../reactor/dispatcher.ts";

class Counted implements Task {
  queued = false;
  dirty = false;
  served = 0;
  flushed = 0;
  constructor(readonly log: string[], readonly name: string, readonly onServe?: () => void) {}
  serve(): void {
    this.served++;
    this.log.push(`serve ${this.name}`);
    this.onServe?.();
  }
  flush(): void {
    this.flushed++;
    this.log.push(`flush ${this.name}`);
  }
}

/** Runs every pending microtask (but no timer: the event loop does not turn). */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Lets the event loop turn once (timers run). */
function nextIteration(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("dispatcher: serves at most the budget per event-loop iteration, in FIFO order", async () => {
  const log: string[] = [];
  const dispatcher = new Dispatcher(100);
  const tasks = Array.from({ length: 250 }, (_, i) => new Counted(log, String(i)));
  for (const task of tasks) dispatcher.enqueue(task);
  dispatcher.enqueue(tasks[0]!); // queued once, however often enqueued
  await microtasks();
  assert.equal(log.length, 100, "one iteration served more than the budget");
  assert.deepEqual(log.slice(0, 3), ["serve 0", "serve 1", "serve 2"]);
  await nextIteration();
  assert.equal(log.length, 200);
  await nextIteration();
  assert.equal(log.length, 250);
  assert.ok(tasks.every((task) => task.served === 1));
  dispatcher.stop();
});

Deno.test("dispatcher: a task made ready during a turn waits for the next iteration", async () => {
  const log: string[] = [];
  const dispatcher = new Dispatcher(100);
  const late = new Counted(log, "late");
  const first = new Counted(log, "first", () => {
    dispatcher.enqueue(late);
    dispatcher.markDirty(late);
  });
  dispatcher.enqueue(first);
  await microtasks();
  // The write made during the turn is flushed at its end; the new work is
  // not served in the same iteration.
  assert.deepEqual(log, ["serve first", "flush late"]);
  await nextIteration();
  assert.deepEqual(log, ["serve first", "flush late", "serve late"]);
  dispatcher.stop();
});

Deno.test("dispatcher: output of one turn is flushed once per task, after every serve", async () => {
  const log: string[] = [];
  const dispatcher = new Dispatcher(10);
  const target = new Counted(log, "target");
  const senders = Array.from({ length: 3 }, (_, i) =>
    new Counted(log, `s${i}`, () => {
      dispatcher.markDirty(target);
      dispatcher.markDirty(senders[i]!);
    }));
  for (const sender of senders) dispatcher.enqueue(sender);
  await microtasks();
  assert.deepEqual(log, [
    "serve s0",
    "serve s1",
    "serve s2",
    "flush target",
    "flush s0",
    "flush s1",
    "flush s2",
  ]);
  dispatcher.stop();
});

Deno.test("dispatcher: a task that throws is reported and the others are served, now and later", async () => {
  const log: string[] = [];
  const failures: string[] = [];
  const dispatcher = new Dispatcher(10, () => {}, (task, error) => {
    failures.push(`${(task as Counted).name}: ${(error as Error).message}`);
  });
  const broken = new Counted(log, "broken", () => {
    throw new Error("bug");
  });
  const fine = new Counted(log, "fine");
  dispatcher.enqueue(broken);
  dispatcher.enqueue(fine);
  await microtasks();
  assert.deepEqual(log, ["serve broken", "serve fine"]);
  assert.deepEqual(failures, ["broken: bug"]);
  const later = new Counted(log, "later");
  dispatcher.enqueue(later);
  await microtasks();
  assert.equal(later.served, 1, "no turn after the one that threw");
  dispatcher.stop();
});
