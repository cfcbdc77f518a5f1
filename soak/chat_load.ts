/**
 * The soak's chat load: rooms with users who stay the whole run and talk,
 * visitors who connect, join a room, talk and leave (by `/quit`, `/part`
 * or just closing) again and again, and fuzzers that send garbage into the
 * lobby. Every line said in a room must reach every user who stays there,
 * once and in order, and every line anyone receives must be clean (see
 * {@link ChatUser}).
 *
 * @module
 */
import { ChatUser } from "./chat_user.ts";
import { fuzzPiece } from "./fuzz.ts";
import { describeError, type Problems } from "./problems.ts";

/** Settings of {@link ChatLoad}. */
export interface ChatLoadOptions {
  /** Rooms with people in them; the first is the lobby, where the fuzz goes. */
  readonly rooms: readonly string[];
  /** Users who stay the whole run, per room. */
  readonly stayersPerRoom: number;
  /** Seconds between two lines of one staying user (on average). */
  readonly stayerEveryS: number;
  /** Visitors at any time (each one a loop: connect, join, talk, leave). */
  readonly visitors: number;
  /** Connections sending garbage at any time (each one a loop of 5 s connections). */
  readonly fuzzers: number;
}

/** Live figures. */
export interface ChatFigures {
  /** Lines said in rooms by stayers and visitors. */
  said: number;
  /** Of those, deliveries to staying users received (and checked). */
  delivered: number;
  /** Visits completed (connect, join, talk, leave). */
  visits: number;
  /** Bytes of garbage sent. */
  fuzzBytes: number;
  /** Fuzz connections the server closed (flooding): allowed, counted. */
  fuzzClosed: number;
}

/** How long any answer may take before it counts as a problem. */
const ANSWER_MS = 15_000;
/** One fuzz connection's life. */
const FUZZ_CONNECTION_S = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LINE = /^\[([A-Za-z0-9_-]+)\] <([A-Za-z0-9_-]+)> soak (\S+) (\d+)$/;

interface Stayer {
  readonly user: ChatUser;
  readonly nick: string;
  readonly room: string;
  /** Lines checked so far (index into user.lines). */
  checked: number;
  /** Highest seq received from each sender. */
  readonly last: Map<string, number>;
  /** Keys (`nick seq`) received. */
  readonly got: Set<string>;
}

/** Chat rooms, visitors and fuzz against one port. */
export class ChatLoad {
  readonly figures: ChatFigures = { said: 0, delivered: 0, visits: 0, fuzzBytes: 0, fuzzClosed: 0 };
  readonly #port: number;
  readonly #options: ChatLoadOptions;
  readonly #problems: Problems;
  readonly #stayers: Stayer[] = [];
  /** Every line said, by room: `nick seq` keys. */
  readonly #said = new Map<string, string[]>();
  readonly #tasks: Promise<void>[] = [];
  #stopping = false;
  #visitorId = 0;
  #random = Math.random;

  constructor(port: number, options: ChatLoadOptions, problems: Problems) {
    this.#port = port;
    this.#options = options;
    this.#problems = problems;
    for (const room of options.rooms) this.#said.set(room, []);
  }

  /** Connects the staying users (each in its room) and starts everything. */
  async start(): Promise<void> {
    const { rooms, stayersPerRoom, visitors, fuzzers } = this.#options;
    for (const room of rooms) {
      for (let k = 0; k < stayersPerRoom; k++) {
        const nick = `stay-${room}-${k}`;
        const user = await ChatUser.connect(this.#port, ANSWER_MS);
        await this.#enter(user, nick, room);
        this.#stayers.push({ user, nick, room, checked: 0, last: new Map(), got: new Set() });
      }
    }
    for (const stayer of this.#stayers) this.#tasks.push(this.#talk(stayer));
    for (let i = 0; i < visitors; i++) this.#tasks.push(this.#visit());
    for (let i = 0; i < fuzzers; i++) this.#tasks.push(this.#fuzz());
  }

  /** Checks what the staying users received so far (cheap; called with every report row). */
  check(): void {
    for (const stayer of this.#stayers) this.#checkStayer(stayer);
  }

  /**
   * Stops talking, visiting and fuzzing; waits until everything said has
   * had time to arrive (each staying user syncs with the server), then
   * counts lines lost, duplicated or reordered, and closes everyone.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#tasks);
    await sleep(500);
    for (const stayer of this.#stayers) {
      try {
        await stayer.user.sync(ANSWER_MS);
      } catch (error) {
        this.#problems.add(
          "chat: staying user unanswered",
          `${stayer.nick}: ${describeError(error)}`,
        );
      }
    }
    for (const stayer of this.#stayers) {
      this.#checkStayer(stayer);
      const expected = (this.#said.get(stayer.room) ?? []).filter((key) =>
        !key.startsWith(`${stayer.nick} `)
      );
      const lost = expected.filter((key) => !stayer.got.has(key));
      this.#problems.add(
        "chat: lost lines",
        `${stayer.nick} missed ${lost.slice(0, 3)}`,
        lost.length,
      );
      if (stayer.user.closedByServer) {
        this.#problems.add("chat: staying user disconnected", stayer.nick);
      }
      this.#unclean(stayer.user, stayer.nick);
      await stayer.user.close();
    }
  }

  async #enter(user: ChatUser, nick: string, room: string): Promise<void> {
    const from = user.lines.length;
    await user.send(`/nick ${nick}`);
    await user.waitFor((l) => l === `* You are now known as ${nick}`, ANSWER_MS, from);
    if (room === this.#options.rooms[0]) return;
    await user.send(`/join #${room}`);
    await user.waitFor((l) => l.startsWith(`* You joined #${room} `), ANSWER_MS, from);
  }

  /** Records a line as said, then sends it. */
  async #say(user: ChatUser, nick: string, room: string, seq: number): Promise<void> {
    this.#said.get(room)!.push(`${nick} ${seq}`);
    this.figures.said++;
    await user.send(`soak ${nick} ${seq}`);
  }

  async #talk(stayer: Stayer): Promise<void> {
    const every = this.#options.stayerEveryS * 1000;
    try {
      for (let seq = 0; !this.#stopping; seq++) {
        await sleep(every * (0.5 + this.#random()));
        if (this.#stopping) break;
        await this.#say(stayer.user, stayer.nick, stayer.room, seq);
      }
    } catch (error) {
      this.#problems.add("chat: staying user failed", `${stayer.nick}: ${describeError(error)}`);
    }
  }

  async #visit(): Promise<void> {
    const rooms = this.#options.rooms;
    while (!this.#stopping) {
      const nick = `visit-${this.#visitorId++}`;
      const room = rooms[Math.floor(this.#random() * rooms.length)]!;
      let user: ChatUser | undefined;
      try {
        user = await ChatUser.connect(this.#port, ANSWER_MS);
        await this.#enter(user, nick, room);
        const lines = 3 + Math.floor(this.#random() * 4);
        for (let seq = 0; seq < lines; seq++) {
          await this.#say(user, nick, room, seq);
          await sleep(300 + this.#random() * 400);
        }
        // Everything it said has been handled before it leaves, however it leaves.
        await user.sync(ANSWER_MS);
        const how = this.#random();
        if (how < 0.4) {
          const from = user.lines.length;
          await user.send("/quit bye");
          await user.waitFor((l) => l.startsWith("* Bye"), ANSWER_MS, from);
        } else if (how < 0.7 && room !== rooms[0]) {
          const from = user.lines.length;
          await user.send("/part");
          await user.waitFor((l) => l.startsWith("* You joined #lobby "), ANSWER_MS, from);
        }
        this.figures.visits++;
      } catch (error) {
        this.#problems.add("chat: visitor failed", `${nick}: ${describeError(error)}`);
      }
      if (user !== undefined) {
        await user.close();
        this.#unclean(user, nick);
      }
      await sleep(200 + this.#random() * 800);
    }
  }

  async #fuzz(): Promise<void> {
    while (!this.#stopping) {
      let user: ChatUser | undefined;
      try {
        user = await ChatUser.connect(this.#port, ANSWER_MS);
        const until = performance.now() + FUZZ_CONNECTION_S * 1000;
        while (!this.#stopping && performance.now() < until && !user.closedByServer) {
          const piece = fuzzPiece(this.#random);
          await user.sendBytes(piece);
          this.figures.fuzzBytes += piece.length;
          await sleep(50 + this.#random() * 100);
        }
        if (user.closedByServer) this.figures.fuzzClosed++;
      } catch (error) {
        if (user?.closedByServer) this.figures.fuzzClosed++; // flooding: the server's right
        else this.#problems.add("chat: fuzz connection failed", describeError(error));
      }
      await user?.close();
    }
  }

  #checkStayer(stayer: Stayer): void {
    const lines = stayer.user.lines;
    for (; stayer.checked < lines.length; stayer.checked++) {
      const match = LINE.exec(lines[stayer.checked]!);
      if (match === null) continue;
      const [, room, nick, sayer, seqText] = match;
      const seq = Number(seqText);
      const key = `${nick} ${seq}`;
      if (room !== stayer.room || sayer !== nick) {
        this.#problems.add("chat: corrupted lines", `${stayer.nick} got ${lines[stayer.checked]}`);
        continue;
      }
      if (stayer.got.has(key)) {
        this.#problems.add("chat: duplicated lines", `${stayer.nick} got ${key} twice`);
        continue;
      }
      if ((stayer.last.get(nick!) ?? -1) > seq) {
        this.#problems.add("chat: reordered lines", `${stayer.nick} got ${key} late`);
      }
      stayer.last.set(nick!, Math.max(seq, stayer.last.get(nick!) ?? -1));
      stayer.got.add(key);
      this.figures.delivered++;
    }
  }

  #unclean(user: ChatUser, who: string): void {
    if (user.uncleanCount === 0) return;
    this.#problems.add("chat: unclean lines", `${who}: ${user.unclean[0]}`, user.uncleanCount);
  }
}
