/**
 * @zeek-relay/zeek-node: the one emulated Zeek node of the tests and benchmarks. It opens the
 * sockets a Zeek 8.x node opens (XPUB with XPUB_VERBOSE and NODROP, XSUB), subscribes to Zeek's
 * default topics (node-specific ones included), and follows the scripts of Zeek's
 * `cluster/backend/zeromq`: subscription events only for unseen topics, the two-way hello,
 * `node_up` on `Cluster::hello`, duplicate-hello and hello-expiry handling, `node_down` on the
 * nodeid unsubscription, and drops at the XPUB's high-water mark.
 */
export { EmulatedZeekNode, startupSubscriptions, type Received, type ZeekNodeOptions } from './node.js';
export { LogPush, type LogPushOptions } from './logs.js';
export { LogBuffer, type LogBufferOptions } from './log-buffer.js';
export { LogWriter } from './log-writer.js';
export { spawnZeekNode, type ZeekNodeProcess } from './process.js';
