import type { CommandMetadata, RecordedEvent } from '@berth/contracts';
import { ConflictError, UnavailableError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import type { Decider, DomainEvent } from './decider.js';
import { eventMetadataOf, type CommandOutcome } from './handle-command.js';

const MAX_ATTEMPTS = 20;
const MAX_BATCH = 200;

type Waiting<Command> = {
  command: Command;
  metadata: CommandMetadata;
  resolve: (outcome: CommandOutcome) => void;
  reject: (error: unknown) => void;
};

const outcomeOf = (events: RecordedEvent[]): CommandOutcome => ({
  position: events[events.length - 1]?.position ?? 0,
  events,
});

/**
 * `handleCommand` for one busy, long stream: the folded state and its version stay in memory
 * and only newer events are read. The commands that arrive while one batch is being decided
 * form the next batch: each is decided on the state the ones before it left, and the whole
 * batch is one append at one version (one write instead of one per command). A command its
 * `decide` rejects fails alone. Only other processes cause version conflicts; then the state
 * is folded again from the start (`evolve` may update it in place, so `initialState` must be
 * a fresh state each time) and the batch decided again.
 */
export const streamHandler = <Command, Event extends DomainEvent, State>(
  log: EventLog,
  decider: Decider<Command, Event, State>,
  stream: string,
) => {
  let state = decider.initialState;
  let version = 0;
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = lock.then(work);
    lock = run.catch(() => undefined);
    return run;
  };
  const waiting: Waiting<Command>[] = [];
  let batchScheduled = false;
  const inFlight = new Map<string, Promise<CommandOutcome>>();

  const catchUp = async () => {
    for (const event of await log.readStream(stream, version + 1)) {
      state = decider.evolve(state, event as unknown as Event);
      version = event.version;
    }
  };

  /** Decides the batch's commands one after another and appends all their events at once. */
  const attempt = async (batch: Waiting<Command>[]): Promise<Waiting<Command>[]> => {
    // Asked all at once: on a networked store each is a round trip.
    const earlier = await Promise.all(
      batch.map((item) => log.readCommand(item.metadata.commandId)),
    );
    const open: Waiting<Command>[] = [];
    batch.forEach((item, i) => {
      const done = earlier[i] ?? [];
      if (done.length > 0) item.resolve(outcomeOf(done));
      else open.push(item);
    });
    await catchUp();
    const decided: { item: Waiting<Command>; count: number }[] = [];
    const events = [];
    for (const item of open) {
      let mine: Event[];
      try {
        mine = decider.decide(item.command, state);
      } catch (error) {
        item.reject(error);
        continue;
      }
      for (const event of mine) state = decider.evolve(state, event);
      decided.push({ item, count: mine.length });
      const metadata = eventMetadataOf(item.metadata);
      events.push(...mine.map((e) => ({ ...e, metadata })));
    }
    let recorded: RecordedEvent[] = [];
    try {
      if (events.length > 0) {
        const appended = await log.append(stream, version, events);
        version = appended.version;
        recorded = appended.events;
      }
    } catch (error) {
      state = decider.initialState; // it holds events that were not recorded
      version = 0;
      if (!(error instanceof ConflictError)) {
        decided.forEach(({ item }) => item.reject(error));
        return [];
      }
      return decided.map(({ item }) => item);
    }
    const head = decided.some(({ count }) => count === 0) ? await log.head() : 0;
    for (const { item, count } of decided)
      item.resolve(
        count === 0
          ? { position: head, events: [] }
          : outcomeOf(recorded.filter((e) => e.metadata.commandId === item.metadata.commandId)),
      );
    return [];
  };

  const decideBatch = async () => {
    batchScheduled = false;
    let batch = waiting.splice(0, MAX_BATCH);
    if (waiting.length > 0) scheduleBatch();
    for (let i = 1; i <= MAX_ATTEMPTS && batch.length > 0; i++) {
      try {
        batch = await attempt(batch);
      } catch (error) {
        batch.forEach((item) => item.reject(error));
        return;
      }
      if (batch.length > 0) await new Promise((r) => setTimeout(r, Math.random() * 3 * i));
    }
    const busy = new UnavailableError(`stream ${stream} is too busy; try again`);
    batch.forEach((item) => item.reject(busy));
  };
  const scheduleBatch = () => {
    if (batchScheduled) return;
    batchScheduled = true;
    void exclusive(decideBatch);
  };

  return {
    handle: (command: Command, metadata: CommandMetadata): Promise<CommandOutcome> => {
      // The same command twice in one batch would be decided twice: the second waits instead.
      const same = inFlight.get(metadata.commandId);
      if (same !== undefined) return same;
      const outcome = new Promise<CommandOutcome>((resolve, reject) =>
        waiting.push({ command, metadata, resolve, reject }),
      );
      inFlight.set(metadata.commandId, outcome);
      const forget = () => void inFlight.delete(metadata.commandId);
      outcome.then(forget, forget);
      scheduleBatch();
      return outcome;
    },
    /** The state as of the last event this process read (read-only). */
    current: () => exclusive(async () => (await catchUp().catch(() => undefined), state)),
  };
};
