// WebRTC room authorization on the embedded platform (real mediasoup worker when media is on):
// /ws/rtc/<session> is opened only by members of the session's course, and publishing only by
// its lecturer. Uses the development seed: Biology 101 has the lecturer and student1; student2
// is in no course.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_COURSE, DEV_USERS } from '@lm/identity';
import { startTestPlatform } from './support/platform.js';

let platform: Awaited<ReturnType<typeof startTestPlatform>>;
const tokens = new Map<string, string>();
let sessionId = '';

async function login(email: string, password: string): Promise<string> {
  const response = await fetch(`${platform.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Opens the signaling socket; resolves with the first frame, or the close code when refused. */
function openRoom(
  token: string | undefined,
  role: 'viewer' | 'publisher',
): Promise<{ firstFrame?: { type?: string; code?: string }; closeCode?: number }> {
  const query = new URLSearchParams({ role, ...(token ? { access_token: token } : {}) });
  const url = `${platform.url.replace(/^http/, 'ws')}/ws/rtc/${sessionId}?${query.toString()}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let firstFrame: { type?: string; code?: string } | undefined;
    const timer = setTimeout(() => {
      socket.terminate();
      resolve({ ...(firstFrame ? { firstFrame } : {}) });
    }, 5000);
    // A request: an admitted peer gets its answer, a refused one the error frame.
    socket.on('open', () =>
      socket.send(JSON.stringify({ id: 1, method: 'getRouterRtpCapabilities' })),
    );
    socket.on('message', (data: Buffer) => {
      firstFrame ??= JSON.parse(data.toString('utf8')) as { type?: string; code?: string };
      socket.close(1000);
    });
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ...(firstFrame ? { firstFrame } : {}), closeCode: code });
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  platform = await startTestPlatform();
  for (const user of DEV_USERS)
    tokens.set(user.email.split('@')[0] ?? '', await login(user.email, user.password));
  const started = await fetch(`${platform.url}/api/sessions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.get('lecturer')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ title: 'Room test', courseId: DEV_COURSE.id }),
  });
  expect(started.status).toBe(201);
  sessionId = ((await started.json()) as { id: string }).id;
}, 240_000);

afterAll(async () => {
  await platform?.stop();
});

describe('WebRTC room authorization (/ws/rtc/:sessionId)', () => {
  it('the platform offers WebRTC rooms', async () => {
    const status = (await (await fetch(`${platform.url}/api/status`)).json()) as {
      components: { name: string; detail: string }[];
    };
    expect(status.components.find((c) => c.name === 'media')?.detail).toContain('mediasoup');
  });

  it('a student of another course cannot open the room (it reads as no room at all)', async () => {
    for (const role of ['viewer', 'publisher'] as const) {
      const result = await openRoom(tokens.get('student2'), role);
      expect(result.firstFrame).toMatchObject({ type: 'error', code: 'not_found' });
      expect(result.closeCode).toBe(4404);
    }
  });

  it('no token: refused as unauthenticated', async () => {
    const result = await openRoom(undefined, 'viewer');
    expect(result.firstFrame).toMatchObject({ type: 'error', code: 'unauthenticated' });
    expect(result.closeCode).toBe(4401);
  });

  it('an enrolled student views, but may not publish', async () => {
    const viewer = await openRoom(tokens.get('student1'), 'viewer');
    expect(viewer.firstFrame).toBeDefined();
    expect(viewer.firstFrame?.type).not.toBe('error');
    expect(viewer.closeCode).toBe(1000);
    const publisher = await openRoom(tokens.get('student1'), 'publisher');
    expect(publisher.firstFrame).toMatchObject({ type: 'error', code: 'permission_denied' });
  });

  it('the lecturer publishes', async () => {
    const publisher = await openRoom(tokens.get('lecturer'), 'publisher');
    expect(publisher.firstFrame).toBeDefined();
    expect(publisher.firstFrame?.type).not.toBe('error');
    expect(publisher.closeCode).toBe(1000);
  });
});
