// (a) Caption viewers: LM_VUS viewers watch one live lecture that a feeder VU speaks into
// through the WebSocket ingest (a recording streamed at real-time pace). Measures the gateway's
// fan-out delay to each viewer (receive time − caption.fannedOutAtMs) and the end-to-end caption
// latency (receive time − caption.audioCapturedAtMs).
import { setTimeout } from 'k6/timers';
import { endSession, login, startSession } from '../lib/api.js';
import { DURATION_S, LECTURER, STUDENT, TARGETS, VUS } from '../lib/config.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';
import { streamAudio, watchCaptions } from '../lib/ws.js';

const pcm = open(__ENV.LM_AUDIO_PCM, 'b');
/** Viewers join first; the feeder starts speaking once they are all in. */
const FEEDER_DELAY_S = Number(__ENV.LM_FEEDER_DELAY_S || '3');
/** After the stream ends: time for the last final before the session is ended. */
const TAIL_S = 5;

export const options = {
  summaryTrendStats: TREND_STATS,
  setupTimeout: '60s',
  scenarios: {
    viewers: {
      executor: 'per-vu-iterations',
      exec: 'viewer',
      vus: VUS,
      iterations: 1,
      maxDuration: `${DURATION_S + FEEDER_DELAY_S + TAIL_S + 30}s`,
    },
    feeder: {
      executor: 'per-vu-iterations',
      exec: 'feeder',
      vus: 1,
      iterations: 1,
      startTime: `${FEEDER_DELAY_S}s`,
      maxDuration: `${DURATION_S + TAIL_S + 30}s`,
    },
  },
  thresholds: {
    lm_fanout_delay: [`p(99)<${TARGETS.fanoutP99Ms}`],
    // The target is for the caption on screen (newest audio → partial); finals also wait for
    // the end of the utterance, so they are reported (lm_caption_latency_final) without a bar.
    lm_caption_latency_partial: [`p(95)<${TARGETS.captionP95Ms}`],
    // A percentile over no partial at all would pass vacuously: one per viewer at least.
    lm_partials_received: [`count>=${VUS}`],
    lm_errors: [`rate<${TARGETS.errorRate}`],
    // A run in which no caption arrived proves nothing: fail it rather than pass vacuously.
    lm_finals_received: [`count>=${VUS}`],
  },
};

export function setup() {
  const lecturer = login(LECTURER);
  const sessionId = startSession(lecturer, `load: ${VUS} viewers`);
  return { lecturer, student: login(STUDENT), sessionId };
}

export function viewer({ student, sessionId }) {
  watchCaptions(sessionId, student, {
    holdMs: (FEEDER_DELAY_S + DURATION_S + TAIL_S + 20) * 1000,
    tags: { scenario_role: 'viewer' },
  });
}

export function feeder({ lecturer, sessionId }) {
  streamAudio(sessionId, lecturer, pcm, {
    durationMs: DURATION_S * 1000,
    onEnded: () => {
      // Ending the session sends every viewer {"type":"session","status":"ended"}: they leave.
      setTimeout(() => endSession(lecturer, sessionId), TAIL_S * 1000);
    },
  });
}

export const handleSummary = summaryFor('viewers');
