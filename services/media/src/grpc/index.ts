// What the gateway needs to talk to the media service over gRPC, without loading mediasoup or
// ffmpeg: request validation, the lm.media.v1 codec, and the signaling types.
export { mediaFailure, parseMediaRequest, type ParsedMediaRequest } from '../parseMediaRequest.js';
export {
  kindFromProto,
  kindToProto,
  notificationFromProto,
  notificationToProto,
  requestFromProto,
  requestToProto,
  responseFromProto,
  responseToProto,
  roleFromProto,
  roleToProto,
} from './signalingCodec.js';
export type { SignalingContext } from '../MediaSignalingHandler.js';
export type { PeerRole } from '../Peer.js';
export type {
  MediaErrorBody,
  MediaMethod,
  MediaNotification,
  MediaRequest,
  MediaResponse,
  MediaResponseData,
} from '../signaling.js';
