export { transcodeDataMessage, transcodeDataMessageView, type TranscodedMessage } from './json-to-bin.js';
export { isCanonicalEventPayload } from './canonical-event.js';
