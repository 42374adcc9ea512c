// (d) Tutor text chat: LM_VUS students ask the course tutor questions through
// POST /api/tutor/chat, which streams the reply as NDJSON (tokens, sentences, then done). The
// gateway sends its headers only once the first chunk exists, so the time to the first byte
// (timings.waiting) is the time to the first token; the whole response is the full reply.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { login, request } from '../lib/api.js';
import { COURSE_ID, DURATION_S, STUDENT, TARGETS, VUS } from '../lib/config.js';
import { apiErrors } from '../lib/metrics.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';

const QUESTIONS = [
  'What does photosynthesis produce?',
  'Why is the mitochondria called the powerhouse of the cell?',
  'What do plants take in during photosynthesis?',
];

const firstToken = new Trend('lm_tutor_first_token', true);
const fullReply = new Trend('lm_tutor_full_reply', true);
const replies = new Counter('lm_tutor_replies');

export const options = {
  summaryTrendStats: TREND_STATS,
  scenarios: {
    tutor: { executor: 'constant-vus', vus: VUS, duration: `${DURATION_S}s` },
  },
  thresholds: {
    lm_errors: [`rate<${TARGETS.errorRate}`],
    // A typed question should start answering about as fast as a caption appears.
    lm_tutor_first_token: [`p(95)<${TARGETS.captionP95Ms}`],
    lm_tutor_replies: ['count>0'],
  },
};

export function setup() {
  return { student: login(STUDENT) };
}

export default function ({ student }) {
  const text = QUESTIONS[exec.scenario.iterationInTest % QUESTIONS.length];
  const res = request('POST', '/api/tutor/chat', 'POST /api/tutor/chat', {
    token: student,
    body: { courseId: COURSE_ID, text },
    params: { timeout: '120s' },
  });
  if (res.status !== 200) return;
  const lines = String(res.body)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  const last = lines[lines.length - 1] || {};
  const done = last.done !== undefined || (last.body && last.body.$case === 'done');
  apiErrors.add(!done, { endpoint: 'POST /api/tutor/chat' });
  check(res, { 'tutor reply finished with done': () => done });
  if (!done) {
    console.error(`tutor reply did not finish: ${JSON.stringify(last).slice(0, 300)}`);
    return;
  }
  firstToken.add(res.timings.waiting);
  fullReply.add(res.timings.duration);
  replies.add(1);
  sleep(0.5);
}

export const handleSummary = summaryFor('tutor');
