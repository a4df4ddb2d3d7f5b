export { ReadModel } from './read-model.js';
export { start, type ProjectorDeps } from './start.js';
export { replay, replayAndCompare } from './replay.js';
