export { ReadModel } from './read-model.js';
export { start, type ProjectorDeps } from './start.js';
export { readAnchorEveryMs } from './config.js';
export { ANCHOR_KEY, etcdAnchors, type Anchors, type StoredAnchor } from './anchor.js';
export { replay, replayAndCompare } from './replay.js';
