// (e) gRPC: the speech service called with k6/net/grpc from the repository's proto files —
// the standard health check, ListVoices, and Synthesize (server streaming), measuring the time
// to the first audio chunk and to the whole utterance. Target: LM_GRPC_TARGET (host:port).
import grpc from 'k6/net/grpc';
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { DURATION_S, TARGETS, VUS } from '../lib/config.js';
import { apiErrors } from '../lib/metrics.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';

const TARGET = __ENV.LM_GRPC_TARGET || '127.0.0.1:50051';
const PROTO_ROOT = __ENV.LM_PROTO_ROOT || '../../proto';
const LOCAL_PROTO = __ENV.LM_LOCAL_PROTO_ROOT || '../proto';
/**
 * The speech service serves platform services only: a service access token (the runner signs one
 * for its throw-away platform; against a deployment, a Keycloak client-credentials token).
 */
const TOKEN = __ENV.LM_GRPC_TOKEN || '';
const METADATA = TOKEN ? { authorization: `Bearer ${TOKEN}` } : {};

const client = new grpc.Client();
client.load([PROTO_ROOT], 'lm/speech/v1/speech.proto');
client.load([LOCAL_PROTO], 'grpc/health/v1/health.proto');

const firstAudio = new Trend('lm_grpc_first_audio', true);
const fullReply = new Trend('lm_grpc_synthesize', true);
const utterances = new Counter('lm_grpc_utterances');

const SENTENCES = [
  'Photosynthesis turns light into chemical energy.',
  'Mitochondria produce most of the energy a cell needs.',
  'Force equals mass times acceleration.',
];

export const options = {
  summaryTrendStats: TREND_STATS,
  scenarios: {
    grpc: { executor: 'constant-vus', vus: VUS, duration: `${DURATION_S}s` },
  },
  thresholds: {
    lm_errors: [`rate<${TARGETS.errorRate}`],
    'grpc_req_duration{endpoint:grpc.health.v1.Health/Check}': ['p(95)<100'],
    'grpc_req_duration{endpoint:lm.speech.v1.SpeechService/ListVoices}': ['p(95)<200'],
    // Spoken replies start within the caption budget, or the tutor feels slow.
    lm_grpc_first_audio: [`p(95)<${TARGETS.captionP95Ms}`],
    lm_grpc_utterances: ['count>0'],
  },
};

function invoke(method, request) {
  const res = client.invoke(method, request, { metadata: METADATA, tags: { endpoint: method } });
  const ok = res && res.status === grpc.StatusOK;
  apiErrors.add(!ok, { endpoint: method });
  check(res, { [`${method} OK`]: () => ok });
  return res;
}

export default async function () {
  if (exec.vu.iterationInScenario === 0)
    client.connect(TARGET, { plaintext: true, timeout: '10s' });

  const health = invoke('grpc.health.v1.Health/Check', { service: '' });
  check(health, { 'health SERVING': (r) => r.message && r.message.status === 'SERVING' });

  const voices = invoke('lm.speech.v1.SpeechService/ListVoices', {});
  const voice = voices.message && voices.message.voices[0];
  if (!voice) {
    apiErrors.add(true, { endpoint: 'ListVoices' });
    return;
  }

  const method = 'lm.speech.v1.SpeechService/Synthesize';
  const text = SENTENCES[exec.scenario.iterationInTest % SENTENCES.length];
  await new Promise((resolve) => {
    const started = Date.now();
    let chunks = 0;
    const stream = new grpc.Stream(client, method, {
      metadata: METADATA,
      tags: { endpoint: method },
    });
    stream.on('data', () => {
      if (chunks === 0) firstAudio.add(Date.now() - started, { endpoint: method });
      chunks += 1;
    });
    stream.on('error', (err) => {
      apiErrors.add(true, { endpoint: method });
      console.error(`Synthesize: ${err.message}`);
      resolve();
    });
    stream.on('end', () => {
      fullReply.add(Date.now() - started, { endpoint: method });
      apiErrors.add(chunks === 0, { endpoint: method });
      if (chunks > 0) utterances.add(1);
      resolve();
    });
    stream.write({ text, voiceId: voice.id, speed: 1 });
    stream.end();
  });
}

export const handleSummary = summaryFor('grpc');
