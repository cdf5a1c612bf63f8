export * from './frames.js';
export * from './subscription.js';
export * from './topics.js';
export * from './node-id.js';
export * from './hello.js';
