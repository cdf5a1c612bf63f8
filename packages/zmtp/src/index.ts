export {
  FrameReader,
  ZmtpProtocolError,
  frameHeaderLength,
  writeFrameHeader,
  type FrameSink,
  type FrameTarget,
} from './frame-reader.js';
export {
  COMPATIBLE_PEERS,
  GREETING_LENGTH,
  buildGreeting,
  checkReady,
  commandBody,
  parseCommand,
  parseGreeting,
  parseProperties,
  readyBody,
  socketTypeMetadata,
  type Command,
  type PeerGreeting,
  type ZmtpMechanism,
  type ZmtpSocketType,
} from './greeting.js';
export { encodeZ85Key, parseZ85Key } from './z85-key.js';
export { listen, type BindErrorFactory, type Listener } from './listen.js';
export {
  Connection,
  PeerError,
  encodeMessage,
  type ConnectionEvents,
  type ConnectionOptions,
  type CurveOptions,
  type PeerErrorKind,
} from './server-connection.js';
