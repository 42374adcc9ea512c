// Custom metrics shared by the scenarios. k6 metrics are global by name, so each is declared once.
import { Counter, Rate, Trend } from 'k6/metrics';

/** Receive time at the viewer minus caption.fannedOutAtMs: the gateway's fan-out to one viewer. */
export const fanoutDelay = new Trend('lm_fanout_delay', true);
/** Receive time minus caption.audioCapturedAtMs: audio captured → caption on screen. */
export const captionLatency = new Trend('lm_caption_latency', true);
/** The same, for partials and for finals separately (finals wait for the end of an utterance). */
export const partialLatency = new Trend('lm_caption_latency_partial', true);
export const finalLatency = new Trend('lm_caption_latency_final', true);
/** Receive time minus caption.emittedAtMs: transcriber emit → viewer (bus + fan-out). */
export const emitToViewer = new Trend('lm_emit_to_viewer', true);
export const captionsReceived = new Counter('lm_captions_received');
export const finalsReceived = new Counter('lm_finals_received');
/** Partials counted at the viewers (a percentile over none would pass any threshold). */
export const partialsReceived = new Counter('lm_partials_received');
/** Non-2xx answers, failed WebSocket handshakes, error frames and unexpected closes. */
export const apiErrors = new Rate('lm_errors');
