export * from './accounts.js';
export * from './audit.js';
export * from './engines.js';
export * from './errors.js';
export * from './ids.js';
export * from './messages.js';
export * from './queries.js';
export * from './subjects.js';
