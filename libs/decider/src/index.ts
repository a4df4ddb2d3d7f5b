export { fold, type Decider, type DomainEvent } from './decider.js';
export { handleCommand, type CommandOutcome } from './handle-command.js';
