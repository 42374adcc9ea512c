// Small REST helpers over k6/http: sign in, start and end sessions. Every request carries an
// `endpoint` tag (the route pattern, not the concrete URL) so results group per route.
import http from 'k6/http';
import { check, fail } from 'k6';
import { BASE_URL, COURSE_ID } from './config.js';
import { apiErrors } from './metrics.js';

/** A request with JSON in and out, tagged with its route; counts non-2xx answers as errors. */
export function request(method, path, endpoint, { token, body, params = {}, expect = [200] } = {}) {
  const headers = Object.assign({}, params.headers);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof ArrayBuffer)) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(body);
  }
  const res = http.request(method, `${BASE_URL}${path}`, body === undefined ? null : body, {
    ...params,
    headers,
    tags: Object.assign({ endpoint }, params.tags),
  });
  const ok = expect.includes(res.status);
  apiErrors.add(!ok, { endpoint });
  check(res, { [`${endpoint} answers ${expect.join('|')}`]: () => ok }, { endpoint });
  return res;
}

/** Signs in with e-mail and password; returns the access token (fails the iteration if not). */
export function login(account) {
  const res = request('POST', '/api/auth/login', 'POST /api/auth/login', { body: account });
  if (res.status !== 200) fail(`login ${account.email} answered ${res.status}: ${res.body}`);
  return res.json('accessToken');
}

/** Starts a live lecture in the load course; returns its id. */
export function startSession(token, title) {
  const res = request('POST', '/api/sessions', 'POST /api/sessions', {
    token,
    body: { title, courseId: COURSE_ID },
    expect: [201],
  });
  if (res.status !== 201) fail(`starting a session answered ${res.status}: ${res.body}`);
  return res.json('id');
}

export function endSession(token, sessionId) {
  return request('POST', `/api/sessions/${sessionId}/end`, 'POST /api/sessions/:id/end', {
    token,
    expect: [200, 204],
  });
}
