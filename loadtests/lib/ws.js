// WebSocket helpers over k6/websockets: a caption viewer that measures every caption it gets,
// and an audio stream that sends PCM16 at real-time pace through the ingest.
import { WebSocket } from 'k6/websockets';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { WS_URL } from './config.js';
import {
  apiErrors,
  captionLatency,
  captionsReceived,
  emitToViewer,
  fanoutDelay,
  finalLatency,
  finalsReceived,
  partialLatency,
  partialsReceived,
} from './metrics.js';

/** 16 kHz mono 16-bit: bytes of PCM per millisecond of audio. */
const PCM_BYTES_PER_MS = 32;

/**
 * Watches a session's captions for `holdMs` (or until the session ends), recording fan-out
 * delay, caption latency and counts, tagged with `tags`. `onFinal` sees every non-empty final.
 */
export function watchCaptions(sessionId, token, { holdMs, tags = {}, onFinal } = {}) {
  const endpoint = 'WS /ws/captions/:sessionId';
  const allTags = Object.assign({ endpoint }, tags);
  const ws = new WebSocket(
    `${WS_URL}/ws/captions/${sessionId}?access_token=${encodeURIComponent(token)}`,
  );
  let opened = false;
  let closedByUs = false;
  const timer = setTimeout(() => {
    closedByUs = true;
    ws.close();
  }, holdMs);
  ws.onopen = () => {
    opened = true;
    apiErrors.add(false, allTags);
  };
  ws.onmessage = (event) => {
    const now = Date.now();
    const frame = JSON.parse(event.data);
    if (frame.type === 'caption') {
      const c = frame.caption;
      captionsReceived.add(1, allTags);
      if (c.kind !== 'final') partialsReceived.add(1, allTags);
      // fannedOutAtMs is 0 where a caption did not pass the live fan-out (e.g. history).
      if (c.fannedOutAtMs > 0) fanoutDelay.add(now - c.fannedOutAtMs, allTags);
      if (c.audioCapturedAtMs > 0) {
        const latency = now - c.audioCapturedAtMs;
        captionLatency.add(latency, allTags);
        (c.kind === 'final' ? finalLatency : partialLatency).add(latency, allTags);
      }
      if (c.emittedAtMs > 0) emitToViewer.add(now - c.emittedAtMs, allTags);
      if (c.kind === 'final' && c.text !== '') {
        finalsReceived.add(1, allTags);
        if (onFinal) onFinal(c);
      }
    } else if (frame.type === 'session' && frame.status === 'ended') {
      closedByUs = true;
      clearTimeout(timer);
      ws.close();
    } else if (frame.type === 'error') {
      apiErrors.add(true, allTags);
      console.error(`viewer of ${sessionId}: ${frame.code} ${frame.message}`);
    }
  };
  ws.onerror = (event) => {
    apiErrors.add(true, allTags);
    console.error(`viewer of ${sessionId}: ${event.error}`);
  };
  ws.onclose = () => {
    clearTimeout(timer);
    // A close we did not ask for (e.g. 4008 slow consumer) is an error; one never opened too.
    if (!opened || !closedByUs) apiErrors.add(true, allTags);
  };
  return ws;
}

/**
 * Streams `pcm` (raw PCM16 16 kHz mono, looped as needed) into a session for `durationMs` at
 * real-time pace in `chunkMs` frames, then sends {"type":"end"} and waits for "ended".
 * `onEnded(durationMs)` is called with the server's count when the stream is closed.
 */
export function streamAudio(
  sessionId,
  token,
  pcm,
  { durationMs, chunkMs = 100, tags = {}, onEnded } = {},
) {
  const endpoint = 'WS /ws/ingest/:sessionId';
  const allTags = Object.assign({ endpoint }, tags);
  const chunkBytes = chunkMs * PCM_BYTES_PER_MS;
  const ws = new WebSocket(
    `${WS_URL}/ws/ingest/${sessionId}?format=pcm16&access_token=${encodeURIComponent(token)}`,
  );
  ws.binaryType = 'arraybuffer';
  let offset = 0;
  let sentMs = 0;
  let ticker = null;
  let ended = false;
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === 'ready') {
      apiErrors.add(false, allTags);
      const started = Date.now();
      // Pace by the wall clock, not by tick count: a late tick sends what is due, so the
      // stream stays real-time even when the VU is briefly starved of CPU. A chunk is sent once
      // its last sample would have been spoken, as a microphone would deliver it.
      ticker = setInterval(() => {
        const dueMs = Math.min(durationMs, Date.now() - started);
        while (sentMs + chunkMs <= dueMs) {
          if (offset + chunkBytes > pcm.byteLength) offset = 0;
          ws.send(pcm.slice(offset, offset + chunkBytes));
          offset += chunkBytes;
          sentMs += chunkMs;
        }
        if (sentMs >= durationMs) {
          clearInterval(ticker);
          ws.send(JSON.stringify({ type: 'end' }));
        }
      }, chunkMs);
    } else if (frame.type === 'ended') {
      ended = true;
      if (onEnded) onEnded(frame.durationMs);
      ws.close();
    } else if (frame.type === 'error') {
      apiErrors.add(true, allTags);
      console.error(`ingest of ${sessionId}: ${frame.code} ${frame.message}`);
    }
  };
  ws.onerror = (event) => {
    apiErrors.add(true, allTags);
    console.error(`ingest of ${sessionId}: ${event.error}`);
  };
  ws.onclose = () => {
    if (ticker !== null) clearInterval(ticker);
    if (!ended) apiErrors.add(true, allTags);
  };
  return ws;
}
