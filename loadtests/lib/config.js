// Settings every scenario reads from the environment (k6 -e NAME=value or the process env).
// The runner (scripts/load.ts) sets them; they can also be given by hand for a direct `k6 run`.

/** Base URL of the gateway, e.g. http://127.0.0.1:8080 (no trailing slash). */
export const BASE_URL = (__ENV.LM_TARGET || 'http://127.0.0.1:8080').replace(/\/+$/, '');
/** The same origin for WebSockets. */
export const WS_URL = BASE_URL.replace(/^http/, 'ws');

/** How long the measured phase of a scenario lasts, in seconds. */
export const DURATION_S = Number(__ENV.LM_DURATION_S || '20');
/** Virtual users (viewers, streams, REST clients…) for the scenario. */
export const VUS = Number(__ENV.LM_VUS || '5');
/** Where handleSummary writes the JSON and text reports. */
export const OUT_DIR = __ENV.LM_OUT_DIR || '.';

export const LECTURER = {
  email: __ENV.LM_LECTURER_EMAIL || 'lecturer@example.test',
  password: __ENV.LM_LECTURER_PASSWORD || 'lecturer-dev-password',
};
export const STUDENT = {
  email: __ENV.LM_STUDENT_EMAIL || 'student1@example.test',
  password: __ENV.LM_STUDENT_PASSWORD || 'student1-dev-password',
};
/** The course live sessions are started in, so that the student may watch them. */
export const COURSE_ID = __ENV.LM_COURSE_ID || 'biology-101';

/**
 * The platform's targets (docs/loadtesting.md). One place, so that every scenario's thresholds
 * say the same thing.
 */
export const TARGETS = {
  captionP95Ms: Number(__ENV.LM_TARGET_CAPTION_P95_MS || '1500'),
  fanoutP99Ms: Number(__ENV.LM_TARGET_FANOUT_P99_MS || '100'),
  errorRate: Number(__ENV.LM_TARGET_ERROR_RATE || '0.01'),
};
