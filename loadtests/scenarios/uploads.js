// (f) Batch uploads: LM_VUS lecturers each upload LM_UPLOADS recordings (a WAV made at run time)
// and poll their transcription jobs to the end. Measures upload latency, job turnaround
// (upload accepted → job succeeded) and throughput (lm_jobs_succeeded per second of the run).
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { login, request } from '../lib/api.js';
import { COURSE_ID, DURATION_S, LECTURER, TARGETS, VUS } from '../lib/config.js';
import { TREND_STATS, summaryFor } from '../lib/summary.js';

const wav = open(__ENV.LM_AUDIO_WAV, 'b');
const UPLOADS = Number(__ENV.LM_UPLOADS || '2');
/** A job not done by then counts as failed (the run's maxDuration bounds it too). */
const JOB_TIMEOUT_S = Number(__ENV.LM_JOB_TIMEOUT_S || String(Math.max(60, DURATION_S * 3)));

const jobTurnaround = new Trend('lm_job_turnaround', true);
const jobsSucceeded = new Counter('lm_jobs_succeeded');
const jobsFailed = new Rate('lm_job_failed');

export const options = {
  summaryTrendStats: TREND_STATS,
  scenarios: {
    uploads: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: UPLOADS,
      maxDuration: `${JOB_TIMEOUT_S * UPLOADS + 30}s`,
    },
  },
  thresholds: {
    lm_errors: [`rate<${TARGETS.errorRate}`],
    lm_job_failed: [`rate<${TARGETS.errorRate}`],
    lm_jobs_succeeded: [`count>=${VUS * UPLOADS}`],
    'http_req_duration{endpoint:POST /api/recordings}': ['p(95)<2000'],
  },
};

export function setup() {
  return { lecturer: login(LECTURER) };
}

export default function ({ lecturer }) {
  const title = `load upload ${exec.vu.idInTest}-${exec.vu.iterationInScenario}`;
  const res = request(
    'POST',
    `/api/recordings?title=${encodeURIComponent(title)}&courseId=${COURSE_ID}`,
    'POST /api/recordings',
    {
      token: lecturer,
      body: wav,
      params: { headers: { 'content-type': 'audio/wav' } },
      expect: [202],
    },
  );
  if (res.status !== 202) {
    jobsFailed.add(true);
    return;
  }
  const accepted = Date.now();
  const recordingId = res.json('recordingId');
  const jobId = res.json('job.id');
  let state = res.json('job.state');
  while (
    state !== 'succeeded' &&
    state !== 'failed' &&
    Date.now() - accepted < JOB_TIMEOUT_S * 1000
  ) {
    sleep(0.5);
    const job = request('GET', `/api/jobs/${jobId}`, 'GET /api/jobs/:id', { token: lecturer });
    state = job.status === 200 ? job.json('state') : state;
  }
  const ok = state === 'succeeded';
  jobsFailed.add(!ok);
  if (!ok) {
    console.error(`job ${jobId} of ${recordingId} ended ${state}`);
    return;
  }
  jobTurnaround.add(Date.now() - accepted);
  jobsSucceeded.add(1);
  request(
    'GET',
    `/api/recordings/${recordingId}/transcript?format=txt`,
    'GET /api/recordings/:id/transcript',
    {
      token: lecturer,
    },
  );
  request('DELETE', `/api/recordings/${recordingId}`, 'DELETE /api/recordings/:id', {
    token: lecturer,
    expect: [204],
  });
}

export const handleSummary = summaryFor('uploads');
