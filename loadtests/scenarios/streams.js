// (b) Live streams: LM_VUS lectures at once, each fed through its own WebSocket ingest at
// real-time pace and watched by one viewer that measures caption latency per stream
// (receive time − caption.audioCapturedAtMs, tagged stream=s<VU>).
import { setTimeout } from 'k6/timers';
import exec from 'k6/execution';
import { endSession, login, startSession } from '../lib/api.js';
import { DURATION_S, LECTURER, TARGETS, VUS } from '../lib/config.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';
import { streamAudio, watchCaptions } from '../lib/ws.js';

const pcm = open(__ENV.LM_AUDIO_PCM, 'b');
const TAIL_S = 5;

/** Per-stream latency thresholds: they make k6 report each stream's p95 in the summary. */
const perStream = {};
for (let vu = 1; vu <= VUS; vu += 1) {
  perStream[`lm_caption_latency_partial{stream:s${vu}}`] = [`p(95)<${TARGETS.captionP95Ms}`];
  // A stream that showed no partial at all must not pass on an empty percentile.
  perStream[`lm_partials_received{stream:s${vu}}`] = ['count>0'];
}

export const options = {
  summaryTrendStats: TREND_STATS,
  setupTimeout: '60s',
  scenarios: {
    streams: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: 1,
      maxDuration: `${DURATION_S + TAIL_S + 40}s`,
    },
  },
  thresholds: {
    // The target is for the caption on screen (newest audio → partial); finals also wait for
    // the end of the utterance, so they are reported (lm_caption_latency_final) without a bar.
    lm_caption_latency_partial: [`p(95)<${TARGETS.captionP95Ms}`],
    lm_partials_received: [`count>=${VUS}`],
    lm_errors: [`rate<${TARGETS.errorRate}`],
    // Every stream must have produced at least one final caption.
    lm_finals_received: [`count>=${VUS}`],
    ...perStream,
  },
};

export function setup() {
  return { lecturer: login(LECTURER) };
}

export default function ({ lecturer }) {
  const stream = `s${exec.vu.idInTest}`;
  const sessionId = startSession(lecturer, `load: stream ${stream}`);
  watchCaptions(sessionId, lecturer, {
    holdMs: (DURATION_S + TAIL_S + 30) * 1000,
    tags: { stream },
  });
  streamAudio(sessionId, lecturer, pcm, {
    durationMs: DURATION_S * 1000,
    tags: { stream },
    onEnded: () => setTimeout(() => endSession(lecturer, sessionId), TAIL_S * 1000),
  });
}

export const handleSummary = summaryFor('streams');
