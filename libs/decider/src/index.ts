export { fold, type Decider, type DomainEvent } from './decider.js';
export { eventMetadataOf, handleCommand, type CommandOutcome } from './handle-command.js';
export { streamHandler } from './stream-handler.js';
