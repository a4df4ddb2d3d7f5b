import type { ContainerEvent, ContainerHealth, ImageSpec, PublishedPort } from '@berth/contracts';
import type { Decider } from '@berth/decider';
import { RejectedError } from '@berth/errors';
import { nextDelayMs } from './backoff.js';

type Status =
  | 'none'
  | 'running'
  | 'stopping'
  | 'restarting'
  | 'stopped'
  | 'backoff'
  | 'completed'
  | 'died'
  | 'failed'
  | 'destroyed';

/** One container's life as the executor records it on `container-<id>`. */
export type ContainerState = {
  status: Status;
  engine: string;
  dockerId: string | undefined;
  restarts: number;
  /** The last backoff's wait; the next one doubles it. */
  lastDelayMs: number | undefined;
  /** Docker's last verdict since the last start. */
  health: ContainerHealth | undefined;
};

export type ContainerCommand = { container: string } & (
  | { type: 'RecordCreated'; engine: string; dockerId: string; ports: PublishedPort[] }
  | { type: 'RecordFailed'; engine: string; reason: string }
  | { type: 'RequestAction'; action: 'stop' | 'restart' }
  | { type: 'RecordStopped' }
  | { type: 'RecordStarted' }
  /**
   * Docker said `die` and Berth did not ask for it: completed, failed, or a restart after a
   * backoff, by the spec's restart policy. `ranMs` (Docker's clock) and `now` are data.
   */
  | {
      type: 'RecordExit';
      exitCode: number | null;
      reason: string;
      ranMs: number;
      now: number;
      restartPolicy: ImageSpec['restartPolicy'];
    }
  | { type: 'RecordHealth'; health: ContainerHealth; reason: string }
  /** Its Docker container is gone, and Berth did not remove it: the scheduler replaces it. */
  | { type: 'RecordVanished' }
  | { type: 'RecordDestroyed'; reason: string }
);

const ACTIVE: readonly Status[] = [
  'running',
  'stopping',
  'restarting',
  'stopped',
  'backoff',
  'completed',
  'died',
];

/** A finished run (completed, died) has nothing left to lose with its container. */
const VANISHABLE: readonly Status[] = ['running', 'stopping', 'restarting', 'stopped', 'backoff'];

export const containerDecider: Decider<ContainerCommand, ContainerEvent, ContainerState> = {
  initialState: {
    status: 'none',
    engine: '',
    dockerId: undefined,
    restarts: 0,
    lastDelayMs: undefined,
    health: undefined,
  },

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
      case 'RecordExit': {
        if (state.status !== 'running') return [];
        const { exitCode, reason, restartPolicy } = command;
        if (exitCode === 0 && (restartPolicy === 'no' || restartPolicy === 'on-failure'))
          return [{ type: 'ContainerCompleted', data: { container, engine, exitCode } }];
        if (restartPolicy === 'no')
          return [{ type: 'ContainerFailed', data: { container, engine, reason } }];
        const delayMs = nextDelayMs(state.lastDelayMs, command.ranMs);
        return [
          {
            type: 'ContainerBackoff',
            data: {
              container,
              engine,
              exitCode,
              reason,
              restarts: state.restarts + 1,
              delayMs,
              until: command.now + delayMs,
            },
          },
        ];
      }
      case 'RecordHealth':
        return state.status === 'running' && state.health !== command.health
          ? [
              {
                type: 'ContainerHealthChanged',
                data: { container, engine, health: command.health, reason: command.reason },
              },
            ]
          : [];
      case 'RecordVanished':
        return VANISHABLE.includes(state.status)
          ? [
              {
                type: 'ContainerDied',
                data: {
                  container,
                  engine,
                  exitCode: null,
                  reason: 'its Docker container was removed outside Berth',
                },
              },
            ]
          : [];
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
        return {
          ...state,
          status: 'running',
          engine: event.data.engine,
          dockerId: event.data.dockerId,
        };
      case 'ContainerStarted':
        return { ...state, status: 'running', health: undefined };
      case 'ContainerBackoff':
        return {
          ...state,
          status: 'backoff',
          restarts: event.data.restarts,
          lastDelayMs: event.data.delayMs,
        };
      case 'ContainerCompleted':
        return { ...state, status: 'completed' };
      case 'ContainerHealthChanged':
        return { ...state, health: event.data.health };
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
