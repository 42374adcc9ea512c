// (c) REST mix: LM_VUS students sign in, list their courses and the course's sessions, read a
// session and export its transcript in every format, and list recordings. Each request is
// tagged with its route (`endpoint`), and each route has its own latency threshold. Every few
// iterations a student searches the course (hybrid keyword + vector search: it embeds the query).
import { sleep } from 'k6';
import exec from 'k6/execution';
import { login, request } from '../lib/api.js';
import { COURSE_ID, DURATION_S, LECTURER, STUDENT, TARGETS, VUS } from '../lib/config.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';

const FORMATS = ['json', 'vtt', 'srt', 'txt'];
/** Questions a student might type into the course search (any course: hits may be none). */
const QUERIES = [
  'photosynthesis light energy',
  'what does the mitochondria produce',
  'how do ribosomes build proteins',
  'supply and demand',
  'boiling point at altitude',
];
/** Search every so many iterations: embedding the query costs more than a read. */
const SEARCH_EVERY = 3;
/** Sign in again every so many iterations: logins are part of the mix, not every request. */
const RELOGIN_EVERY = 10;

function p95(ms) {
  return [`p(95)<${ms}`];
}

export const options = {
  summaryTrendStats: TREND_STATS,
  scenarios: {
    rest: { executor: 'constant-vus', vus: VUS, duration: `${DURATION_S}s` },
  },
  thresholds: {
    lm_errors: [`rate<${TARGETS.errorRate}`],
    http_req_failed: [`rate<${TARGETS.errorRate}`],
    // Password hashing makes sign-in deliberately slow; reads must stay quick.
    'http_req_duration{endpoint:POST /api/auth/login}': p95(1000),
    'http_req_duration{endpoint:GET /api/courses}': p95(300),
    'http_req_duration{endpoint:GET /api/sessions}': p95(300),
    'http_req_duration{endpoint:GET /api/sessions/:id}': p95(300),
    'http_req_duration{endpoint:GET /api/sessions/:id/transcript}': p95(500),
    'http_req_duration{endpoint:GET /api/recordings}': p95(500),
    'http_req_duration{endpoint:GET /api/search}': p95(800),
  },
};

export function setup() {
  const lecturer = login(LECTURER);
  const res = request('GET', `/api/sessions?courseId=${COURSE_ID}`, 'GET /api/sessions', {
    token: lecturer,
  });
  const sessions = (res.json('sessions') || []).map((s) => s.id).slice(0, 20);
  console.log(
    `rest: ${sessions.length} session(s) of ${COURSE_ID} to read; searching the course every ${SEARCH_EVERY} iterations`,
  );
  return { sessions };
}

let token = null;

export default function ({ sessions }) {
  if (token === null || exec.vu.iterationInScenario % RELOGIN_EVERY === 0) token = login(STUDENT);
  request('GET', '/api/courses', 'GET /api/courses', { token });
  const listed = request('GET', `/api/sessions?courseId=${COURSE_ID}`, 'GET /api/sessions', {
    token,
  });
  const ids = sessions.length > 0 ? sessions : (listed.json('sessions') || []).map((s) => s.id);
  if (ids.length > 0) {
    const id = ids[exec.scenario.iterationInTest % ids.length];
    request('GET', `/api/sessions/${id}`, 'GET /api/sessions/:id', { token });
    const format = FORMATS[exec.scenario.iterationInTest % FORMATS.length];
    request(
      'GET',
      `/api/sessions/${id}/transcript?format=${format}`,
      'GET /api/sessions/:id/transcript',
      { token, params: { tags: { format } } },
    );
  }
  request('GET', '/api/recordings', 'GET /api/recordings', { token });
  if (exec.scenario.iterationInTest % SEARCH_EVERY === 0) {
    const q = QUERIES[exec.scenario.iterationInTest % QUERIES.length];
    request(
      'GET',
      `/api/search?q=${encodeURIComponent(q)}&courseId=${COURSE_ID}&limit=5`,
      'GET /api/search',
      { token },
    );
  }
  sleep(0.2 + Math.random() * 0.3);
}

export const handleSummary = summaryFor('rest');
