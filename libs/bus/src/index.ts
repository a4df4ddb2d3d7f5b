export { connect as connectNats, type NatsConnection } from 'nats';
export { sendCommand, type Command, type SendOptions } from './command-client.js';
export { serveCommand, type CommandEndpoint, type CommandResult } from './command-server.js';
export { OutcomeCache } from './outcomes.js';
export { sendQuery, serveQuery, type QueryEndpoint } from './query.js';
export { encode, parseJson, reply, validate } from './wire.js';
export { maxBodyBytes } from './chunked.js';
export { requestLogs } from './logs-client.js';
export { logSender } from './logs-flow.js';
