import type { ContainerEvent, PublishedPort } from '@berth/contracts';
import type { Decider } from '@berth/decider';
import { RejectedError } from '@berth/errors';

type Status =
  'none' | 'running' | 'stopping' | 'restarting' | 'stopped' | 'died' | 'failed' | 'destroyed';

/** One container's life as the executor records it on `container-<id>`. */
export type ContainerState = { status: Status; engine: string; dockerId: string | undefined };

export type ContainerCommand = { container: string } & (
  | { type: 'RecordCreated'; engine: string; dockerId: string; ports: PublishedPort[] }
  | { type: 'RecordFailed'; engine: string; reason: string }
  | { type: 'RequestAction'; action: 'stop' | 'restart' }
  | { type: 'RecordStopped' }
  | { type: 'RecordStarted' }
  /** Docker said `die`: a death unless Berth asked for it. */
  /** `crashed`: it ended by itself soon after starting; replacing it would only loop. */
  | { type: 'RecordExit'; exitCode: number | null; reason: string; crashed: boolean }
  | { type: 'RecordDestroyed'; reason: string }
);

const ACTIVE: readonly Status[] = ['running', 'stopping', 'restarting', 'stopped', 'died'];

export const containerDecider: Decider<ContainerCommand, ContainerEvent, ContainerState> = {
  initialState: { status: 'none', engine: '', dockerId: undefined },

  decide(command, state) {
    const { container } = command;
    const { engine } = state;
    switch (command.type) {
      case 'RecordCreated':
        if (state.status !== 'none') return [];
        return [
          {
            type: 'ContainerCreated',
            data: {
              container,
              engine: command.engine,
              dockerId: command.dockerId,
              ports: command.ports,
            },
          },
          { type: 'ContainerStarted', data: { container, engine: command.engine } },
        ];
      case 'RecordFailed':
        return state.status === 'none'
          ? [
              {
                type: 'ContainerFailed',
                data: { container, engine: command.engine, reason: command.reason },
              },
            ]
          : [];
      case 'RequestAction':
        if (!ACTIVE.includes(state.status))
          throw new RejectedError(
            `the container is ${state.status === 'none' ? 'not created yet' : state.status}`,
          );
        if (command.action === 'stop' && state.status === 'stopped') return [];
        return [
          { type: 'ContainerActionRequested', data: { container, engine, action: command.action } },
        ];
      case 'RecordStopped':
        return state.status === 'stopping' || state.status === 'running'
          ? [{ type: 'ContainerStopped', data: { container, engine } }]
          : [];
      case 'RecordStarted':
        return ACTIVE.includes(state.status) && state.status !== 'running'
          ? [{ type: 'ContainerStarted', data: { container, engine } }]
          : [];
      case 'RecordExit':
        if (state.status !== 'running') return [];
        return command.crashed
          ? [{ type: 'ContainerFailed', data: { container, engine, reason: command.reason } }]
          : [
              {
                type: 'ContainerDied',
                data: { container, engine, exitCode: command.exitCode, reason: command.reason },
              },
            ];
      case 'RecordDestroyed':
        return state.status === 'destroyed'
          ? []
          : [
              {
                type: 'ContainerDestroyed',
                data: { container, engine: engine || 'unknown', reason: command.reason },
              },
            ];
      default:
        return exhaustive(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ContainerCreated':
        return { status: 'running', engine: event.data.engine, dockerId: event.data.dockerId };
      case 'ContainerStarted':
        return { ...state, status: 'running' };
      case 'ContainerActionRequested':
        return { ...state, status: event.data.action === 'stop' ? 'stopping' : 'restarting' };
      case 'ContainerStopped':
        return { ...state, status: 'stopped' };
      case 'ContainerDied':
        return { ...state, status: 'died' };
      case 'ContainerFailed':
        return { ...state, status: 'failed', engine: event.data.engine };
      case 'ContainerDestroyed':
        return { ...state, status: 'destroyed' };
      default:
        return state;
    }
  },
};

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
