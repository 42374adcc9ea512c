import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LECTURE_PASSAGES, synthesizeSpeech } from '@lm/audio/testing';
import { launchBrowser, openPage, screenshot } from './support/browser.js';
import { buildWebApp, startPlatform } from './support/platform.js';

const INVITE_CODE = 'BIO101DEV'; // Biology 101's code in the development seed
const PASSAGE = LECTURE_PASSAGES[1];
const WORDS = ['mitochondria', 'powerhouse', 'cell', 'energy', 'produces', 'survive'];

let platform: Awaited<ReturnType<typeof startPlatform>>;
let browser: Browser;

beforeAll(async () => {
  buildWebApp();
  [platform, browser] = await Promise.all([startPlatform(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('web app: a new student registers, joins a course, transcribes a recording', () => {
  it('registers, joins Biology 101 by invite code and gets a recording’s transcript', async () => {
    const context = await browser.newContext();
    const { page, errors } = await openPage(context);
    await page.goto(`${platform.url}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, '10-sign-in');

    // A wrong password is explained in plain words.
    await page.getByLabel('E-mail').fill('student1@example.test');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('do not match an account').waitFor();
    errors.length = 0; // the browser logs the 401 answer itself; that one is expected

    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    const email = `new-student-${Date.now()}@example.test`;
    await page.getByLabel('Name').fill('Nia Newcomer');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('a-long-enough-password');
    await screenshot(page, '11-register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your courses' }).waitFor();
    await page.getByText('You are not in any course yet').waitFor();

    // Join by invite code, typed with the keyboard and submitted with Enter.
    await page.getByLabel('Invite code').fill('NOSUCHCODE');
    await page.getByLabel('Invite code').press('Enter');
    await page.getByRole('alert').getByText('No course has that invite code').waitFor();
    errors.length = 0; // the expected 404 answer
    await page.getByLabel('Invite code').fill(INVITE_CODE);
    await page.getByLabel('Invite code').press('Enter');
    await page.getByText('You joined Biology 101.').waitFor();
    await page.getByRole('link', { name: 'Biology 101' }).waitFor();
    await screenshot(page, '12-dashboard-joined');

    await page.getByRole('link', { name: 'Biology 101' }).click();
    await page.getByRole('heading', { name: 'Live now' }).waitFor();
    await screenshot(page, '13-course-student');

    // Upload a spoken recording: upload and job progress, then its transcript.
    const speech = synthesizeSpeech(PASSAGE, { dir: mkdtempSync(join(tmpdir(), 'lm-web-rec-')) });
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByRole('heading', { name: 'Recordings', exact: true }).waitFor();
    await page.getByLabel('Audio file').setInputFiles(speech.path);
    await page.getByRole('button', { name: 'Upload and transcribe' }).click();
    await page
      .getByRole('heading', { name: 'Transcript', exact: true })
      .waitFor({ timeout: 90_000 });
    const upload = await page
      .getByLabel('Upload')
      .evaluate((p) => (p as HTMLProgressElement).value);
    expect(upload).toBe(1);
    const text = (await page.locator('pre.result').innerText()).toLowerCase();
    console.log(`recording transcript: "${text}"`);
    expect(WORDS.filter((w) => text.includes(w)).length).toBeGreaterThanOrEqual(3);
    await screenshot(page, '14-recording-transcript');

    // The recording page plays the audio from the line that is chosen.
    await page.getByRole('link', { name: 'Listen and read along' }).click();
    const line = page.getByRole('list', { name: 'Transcript' }).getByRole('button').first();
    await line.waitFor();
    await page.locator('audio').evaluate(
      (a) =>
        new Promise<void>((resolve) => {
          const media = a as HTMLAudioElement;
          if (media.readyState >= 1) resolve();
          else media.addEventListener('loadedmetadata', () => resolve(), { once: true });
        }),
    );
    await line.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const media = document.querySelector('audio');
      return !!media && !media.paused && media.currentTime > 0;
    });
    await screenshot(page, '15-recording-playback');

    expect(errors).toEqual([]);
    await context.close();
  });
});
