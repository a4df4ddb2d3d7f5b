/** An event as the domain sees it: a type and its data, nothing of the log. */
export type DomainEvent = { type: string; data: unknown };

/** Pure domain logic of one stream (Emmett's shape): no I/O, time and ids come in as data. */
export type Decider<Command, Event extends DomainEvent, State> = {
  initialState: State;
  evolve: (state: State, event: Event) => State;
  /** The events a command produces, or a thrown RejectedError/ValidationError. */
  decide: (command: Command, state: State) => Event[];
};

/** Folds a stream's history into its state. */
export const fold = <Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  history: readonly Event[],
): State => history.reduce(decider.evolve, decider.initialState);
