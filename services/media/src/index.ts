export {
  AudioTap,
  type AudioChunkSink,
  type AudioTapCloseEvent,
  type AudioTapEvents,
  type AudioTapOptions,
} from './AudioTap.js';
export { loadMediaConfig, mediaConfigSchema, type MediaConfig } from './config.js';
export { MediaService, type MediaServiceEvents, type MediaServiceOptions } from './MediaService.js';
export {
  MediaSignalingHandler,
  type RoomDirectory,
  type SignalingContext,
} from './MediaSignalingHandler.js';
export {
  MediaWorkerPool,
  type MediaWorkerPoolEvents,
  type MediaWorkerPoolOptions,
  type WorkerDiedEvent,
} from './MediaWorkerPool.js';
export { opusRtpSdp } from './opusSdp.js';
export { Peer, type PeerRole, type TransportDirection } from './Peer.js';
export {
  ROOM_MEDIA_CODECS,
  Room,
  type ConsumerOptions,
  type RoomCloseReason,
  type RoomEvents,
  type WebRtcTransportOptions,
} from './Room.js';
export {
  mediaRequestSchema,
  type MediaErrorBody,
  type MediaMethod,
  type MediaNotification,
  type MediaRequest,
  type MediaResponse,
  type MediaResponseData,
} from './signaling.js';
export { TypedEventEmitter, type EventMap } from './TypedEventEmitter.js';
export {
  defaultWorkerBinaryPath,
  loadMediasoup,
  mediasoupVersion,
  resolveWorkerBinary,
} from './workerBinary.js';
