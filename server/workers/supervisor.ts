import { getLogger } from "@logtape/logtape";
import { DEFAULT_STOP_GRACE_MS, type ListenerStats, type StopSummary } from "../../reactor/mod.ts";
import { connectionTotals } from "../app.ts";
import { ChatHub } from "../chat/adapter/chat_hub.ts";
import { nameKey } from "../chat/names.ts";
import type { ChatStats } from "../chat/chat_node.ts";
import type { Config } from "../config.ts";
import type { BoundAddress } from "../listeners.ts";
import type { RefusalCount } from "../metrics/refusal_counter.ts";
import type { FromWorker, ToWorker, WorkerFigures } from "./worker_protocol.ts";

const log = getLogger(["echochat", "workers"]);

/** First and longest wait before a worker that died is started again, in milliseconds. */
const FIRST_RESTART_MS = 500;
const MAX_RESTART_MS = 30_000;
/** A worker that served this long before dying restarts at the first wait again. */
const HEALTHY_AFTER_MS = 60_000;

/** How the workers ended. */
export interface WorkersResult {
  /** 0 when every worker stopped cleanly, 1 when one could not bind its ports. */
  code: number;
  /** The stop summaries added up. */
  summary: StopSummary;
  /** Connections accepted and refused over all workers. */
  totals: { accepted: number; refused: number };
  /** Refusals by the access policy over all workers, by reason. */
  refusedByAccess: Record<string, number>;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  generation: number;
  startedAt: number;
  failures: number;
  figures: WorkerFigures | null;
  stopped: boolean;
  /** Whether the worker reported ready (it handles requests from then on). */
  ready: boolean;
  /** TLS requests this worker has not answered. */
  tlsWaiting: Set<number>;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs `--workers N` reactors, one per worker thread, on the same ports
 * (`SO_REUSEPORT`: the kernel spreads new connections over them), with one
 * chat across them through a {@link ChatHub} on this thread (or Redis).
 *
 * Threads rather than processes: they share one process, so one signal
 * handler, one log stream and one exit code serve all of them, and the hub
 * is a `MessagePort` away, with no extra permission to spawn programs.
 *
 * A worker that dies is started again after a backoff (0.5 s doubling to
 * 30 s, reset once it has served a minute) and logged; its users' nicks are
 * freed at once. `stop` and `abort` reach every worker; the supervisor is
 * done when all have stopped.
 */
export class Supervisor {
  readonly #config: Config;
  /** The certificate workers start with: the latest one reloaded. */
  #tls: { cert: string; key: string } | null;
  readonly #hub: ChatHub | null;
  readonly #slots: Slot[] = [];
  readonly #tlsWaiters = new Map<number, (error: string | null) => void>();
  /** The last connection id of the whole process, shared with every worker. */
  readonly #connectionIds = new BigInt64Array(new SharedArrayBuffer(8));
  #nextTlsId = 1;
  #stopping = false;
  #stopRequest: ToWorker | null = null;
  #resolveDone!: (result: WorkersResult) => void;
  readonly #done: Promise<WorkersResult>;
  #code = 0;
  #final: { summary: StopSummary; figures: WorkerFigures }[] = [];

  readonly #workerUrl: string;

  private constructor(
    config: Config,
    tls: { cert: string; key: string } | null,
    workerUrl: string,
  ) {
    this.#config = config;
    this.#tls = tls;
    this.#workerUrl = workerUrl;
    this.#hub = config.redis === null ? new ChatHub({ historyLines: config.history }) : null;
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
  }

  /**
   * Starts `config.workers` workers. The first binds the ports (resolving
   * port 0 to the one the OS picked); the others then bind the same ones.
   * Rejects with the first worker's message if it cannot start.
   * `workerUrl` is the worker's module (tests pass a stand-in).
   */
  static async start(
    config: Config,
    tls: { cert: string; key: string } | null,
    workerUrl: string = new URL("./worker_main.ts", import.meta.url).href,
  ): Promise<{ supervisor: Supervisor; addresses: BoundAddress[] }> {
    const supervisor = new Supervisor(config, tls, workerUrl);
    const first = await supervisor.#spawn(0, perWorker(config));
    const ports = (name: string, fallback: number | null) =>
      first.find((a) => a.name === name)?.port ?? fallback;
    const resolved: Config = {
      ...perWorker(config),
      echoPort: ports("echo", config.echoPort),
      chatPort: ports("chat", config.chatPort),
      echoTlsPort: ports("echo-tls", config.echoTlsPort),
      chatTlsPort: ports("chat-tls", config.chatTlsPort),
    };
    supervisor.#resolved = resolved;
    try {
      await Promise.all(
        Array.from({ length: config.workers - 1 }, (_, i) => supervisor.#spawn(i + 1, resolved)),
      );
    } catch (error) {
      await supervisor.abort();
      throw error;
    }
    return { supervisor, addresses: first };
  }

  #resolved: Config | null = null;

  /** Resolves once every worker has stopped. */
  get done(): Promise<WorkersResult> {
    return this.#done;
  }

  /** Connections open in all workers, as last reported. */
  get size(): number {
    return this.#slots.reduce((sum, slot) => sum + (slot.figures?.size ?? 0), 0);
  }

  /** Whether a stop has begun. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Asks every worker to stop gracefully within `graceMs`. */
  stop({ graceMs = DEFAULT_STOP_GRACE_MS }: { graceMs?: number } = {}): Promise<WorkersResult> {
    this.#stopping = true;
    this.#stopRequest = { kind: "stop", graceMs };
    this.#broadcast(this.#stopRequest);
    this.#checkDone();
    return this.#done;
  }

  /** Tells every worker to close everything now. */
  abort(): Promise<WorkersResult> {
    this.#stopping = true;
    this.#stopRequest = { kind: "abort" };
    this.#broadcast(this.#stopRequest);
    this.#checkDone();
    return this.#done;
  }

  /** Serves new connections of TLS listener `name` in every worker with this certificate. */
  async replaceTls(name: string, tls: { cert: string; key: string }): Promise<null | object> {
    // Workers started from now on (restarts) get the new certificate.
    this.#tls = tls;
    const results = await Promise.all(this.#slots.map((slot) => {
      const worker = slot.worker;
      // A worker still starting binds with #tls, already the new one.
      if (worker === null || !slot.ready) return Promise.resolve(null);
      const id = this.#nextTlsId++;
      return new Promise<string | null>((resolve) => {
        this.#tlsWaiters.set(id, resolve);
        slot.tlsWaiting.add(id);
        worker.postMessage({ kind: "tls", id, listener: name, ...tls } satisfies ToWorker);
      });
    }));
    const error = results.find((result) => result !== null);
    if (error) throw new Error(error);
    return this.#stopping ? null : {};
  }

  /** The listener counters of all workers, added up by listener. */
  stats(): ListenerStats[] {
    const byName = new Map<string, ListenerStats>();
    for (const slot of this.#slots) {
      for (const listener of slot.figures?.listeners ?? []) {
        const sum = byName.get(listener.name);
        if (sum === undefined) {
          byName.set(listener.name, { ...listener, closed: { ...listener.closed } });
          continue;
        }
        sum.open += listener.open;
        sum.accepted += listener.accepted;
        sum.refused += listener.refused;
        sum.bytesIn += listener.bytesIn;
        sum.bytesOut += listener.bytesOut;
        for (const [reason, count] of Object.entries(listener.closed)) {
          sum.closed[reason as keyof typeof sum.closed] += count;
        }
      }
    }
    return [...byName.values()];
  }

  /** Connections waiting for a dispatcher, over all workers. */
  get backlog(): number {
    return this.#slots.reduce((sum, slot) => sum + (slot.figures?.backlog ?? 0), 0);
  }

  /** Unsent output, over all workers. */
  get queuedBytes(): number {
    return this.#slots.reduce((sum, slot) => sum + (slot.figures?.queuedBytes ?? 0), 0);
  }

  /** The chat's figures over all workers. */
  chatStats(): ChatStats {
    const rooms = new Map<string, { name: string; users: number }>();
    let users = 0;
    let linesRelayed = 0;
    for (const slot of this.#slots) {
      const chat = slot.figures?.chat;
      if (chat == null) continue;
      users += chat.users;
      linesRelayed += chat.linesRelayed;
      for (const room of chat.rooms) {
        const key = nameKey(room.name);
        const sum = rooms.get(key);
        if (sum === undefined) rooms.set(key, { ...room });
        else sum.users += room.users;
      }
    }
    return { users, rooms: [...rooms.values()], linesRelayed };
  }

  /** Refusals by listener and reason over all workers. */
  counts(): RefusalCount[] {
    const byKey = new Map<string, RefusalCount>();
    for (const slot of this.#slots) {
      for (const count of slot.figures?.refusals ?? []) {
        const key = `${count.listener}\n${count.reason}`;
        const sum = byKey.get(key);
        if (sum === undefined) byKey.set(key, { ...count });
        else sum.count += count.count;
      }
    }
    return [...byKey.values()];
  }

  #spawn(index: number, config: Config): Promise<BoundAddress[]> {
    let slot = this.#slots[index];
    if (slot === undefined) {
      slot = {
        index,
        worker: null,
        generation: 0,
        startedAt: 0,
        failures: 0,
        figures: null,
        stopped: false,
        ready: false,
        tlsWaiting: new Set(),
        restartTimer: undefined,
      };
      this.#slots[index] = slot;
    }
    const current = slot;
    current.generation++;
    current.startedAt = performance.now();
    current.stopped = false;
    current.ready = false;
    const nodeId = `w${index + 1}-${current.generation}`;
    const worker = new Worker(this.#workerUrl, { type: "module" });
    current.worker = worker;
    let hub: MessagePort | null = null;
    if (this.#hub !== null) {
      const channel = new MessageChannel();
      this.#hub.attach(nodeId, channel.port1);
      hub = channel.port2;
    }
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        if (current.worker !== worker) return; // a late message from an earlier generation
        const message = event.data;
        switch (message.kind) {
          case "ready":
            ready = true;
            current.ready = true;
            if (this.#stopRequest !== null) worker.postMessage(this.#stopRequest);
            resolve(message.addresses);
            return;
          case "failed":
            this.#retire(current, nodeId);
            // Exit code 1 is for ports that cannot be bound at startup; a restart retries.
            if (message.bind && this.#resolved === null) this.#code = 1;
            reject(new Error(message.message));
            return;
          case "figures":
            current.figures = message.figures;
            return;
          case "tls-done":
            current.tlsWaiting.delete(message.id);
            this.#tlsWaiters.get(message.id)?.(message.error);
            this.#tlsWaiters.delete(message.id);
            return;
          case "stopped":
            current.figures = message.figures;
            this.#final.push({ summary: message.summary, figures: message.figures });
            this.#retire(current, nodeId);
            this.#checkDone();
            return;
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        if (current.worker !== worker) return;
        log.error("Worker {worker} died: {error}", { worker: nodeId, error: event.message });
        this.#retire(current, nodeId);
        if (!ready) {
          reject(new Error(`worker ${nodeId} died while starting: ${event.message}`));
          return;
        }
        this.#restartLater(current);
      };
      worker.postMessage(
        {
          kind: "start",
          config,
          nodeId,
          tls: this.#tls,
          hub,
          connectionIds: this.#connectionIds,
        } satisfies ToWorker,
        hub === null ? [] : [hub],
      );
    });
  }

  #retire(slot: Slot, nodeId: string): void {
    slot.worker?.terminate();
    slot.worker = null;
    slot.stopped = true;
    slot.ready = false;
    // Requests it will never answer: a reload must not wait for them.
    for (const id of slot.tlsWaiting) {
      this.#tlsWaiters.get(id)?.(null);
      this.#tlsWaiters.delete(id);
    }
    slot.tlsWaiting.clear();
    this.#hub?.detach(nodeId);
  }

  #restartLater(slot: Slot): void {
    if (this.#stopping) {
      this.#checkDone();
      return;
    }
    const served = performance.now() - slot.startedAt;
    slot.failures = served >= HEALTHY_AFTER_MS ? 1 : slot.failures + 1;
    const delay = Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (slot.failures - 1));
    log.warn("Starting worker {index} again in {delayMs} ms", {
      index: slot.index + 1,
      delayMs: delay,
    });
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#stopping) return this.#checkDone();
      this.#spawn(slot.index, this.#resolved ?? perWorker(this.#config)).catch((error) => {
        log.error("Worker {index} could not start again: {error}", {
          index: slot.index + 1,
          error: error instanceof Error ? error.message : String(error),
        });
        this.#restartLater(slot);
      });
    }, delay);
  }

  #broadcast(message: ToWorker): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      if (!slot.stopped) slot.worker?.postMessage(message);
    }
  }

  #checkDone(): void {
    if (!this.#stopping || this.#slots.some((slot) => !slot.stopped)) return;
    const summary = { graceful: 0, cutOff: 0 };
    const totals = connectionTotals(this.stats());
    const refusedByAccess: Record<string, number> = {};
    for (const { summary: one } of this.#final) {
      summary.graceful += one.graceful;
      summary.cutOff += one.cutOff;
    }
    for (const { figures } of this.#final) {
      for (const [reason, count] of Object.entries(figures.refusedByAccess)) {
        refusedByAccess[reason] = (refusedByAccess[reason] ?? 0) + count;
      }
    }
    this.#resolveDone({ code: this.#code, summary, totals, refusedByAccess });
  }
}

/**
 * The server-wide limits split among the workers: each worker's reactor
 * enforces its share of `--max-connections`, `--output-budget` and the
 * per-address limits, so that together they stay close to the totals.
 * The kernel spreads connections evenly on average, not exactly, so a
 * worker may refuse a little before the whole server is at its limit.
 */
export function perWorker(config: Config): Config {
  const share = (limit: number) => limit === 0 ? 0 : Math.max(1, Math.ceil(limit / config.workers));
  return {
    ...config,
    maxConnections: share(config.maxConnections),
    maxQueuedBytesTotal: share(config.maxQueuedBytesTotal),
    maxConnectionsPerIp: share(config.maxConnectionsPerIp),
    connectionRate: share(config.connectionRate),
    connectionBurst: share(config.connectionBurst),
  };
}
