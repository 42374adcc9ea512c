import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LECTURE_PASSAGES } from '@lm/audio/testing';
import { launchBrowser, openPage, screenshot, signIn, speechWav } from './support/browser.js';
import { buildWebApp, startPlatform } from './support/platform.js';

const PASSAGE = LECTURE_PASSAGES[0];
/** Content words of the passage: the viewer must see several of them. */
const WORDS = ['photosynthesis', 'light', 'energy', 'chemical', 'plants', 'carbon', 'dioxide', 'water', 'oxygen'];

let platform: Awaited<ReturnType<typeof startPlatform>>;
let browser: Browser;

beforeAll(async () => {
  buildWebApp();
  const microphone = speechWav(PASSAGE, mkdtempSync(join(tmpdir(), 'lm-web-mic-')));
  [platform, browser] = await Promise.all([startPlatform(), launchBrowser(microphone)]);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('web app: a lecturer goes live, a student reads the captions', () => {
  it('captions the lecturer’s microphone on the student’s viewer page', async () => {
    const url = platform.url;
    const lecturerContext = await browser.newContext();
    const lecturer = await openPage(lecturerContext);
    await signIn(lecturer.page, url, 'lecturer@example.test', 'lecturer-dev-password');
    await screenshot(lecturer.page, '01-lecturer-dashboard');

    await lecturer.page.getByRole('link', { name: 'Biology 101' }).click();
    await lecturer.page.getByRole('heading', { name: 'Biology 101' }).waitFor();
    await lecturer.page.getByRole('link', { name: 'Go live' }).click();
    await lecturer.page.getByRole('heading', { name: /Go live/ }).waitFor();
    // The level meter moves with the fake microphone's speech.
    await lecturer.page.waitForFunction(
      () => Number(document.querySelector('[data-testid=level]')?.getAttribute('aria-valuenow')) > 5,
      undefined,
      { timeout: 15_000 },
    );
    await screenshot(lecturer.page, '02-lecturer-ready');

    await lecturer.page.getByLabel('Title').fill('Photosynthesis');
    await lecturer.page.getByRole('button', { name: 'Go live' }).click();
    await lecturer.page
      .getByTestId('connection')
      .getByText('Connected', { exact: false })
      .waitFor({ timeout: 20_000 });

    // A student, in a separate browser context, finds the live lecture and opens its captions.
    const studentContext = await browser.newContext();
    const student = await openPage(studentContext);
    await signIn(student.page, url, 'student1@example.test', 'student1-dev-password');
    await student.page.getByRole('link', { name: 'Biology 101' }).click();
    await student.page.getByRole('link', { name: /Watch captions: Photosynthesis/ }).click({
      timeout: 15_000,
    });
    await student.page.getByRole('log', { name: 'Live captions' }).waitFor();

    // Settled captions that contain words of the recording.
    const heard = await student.page.waitForFunction(
      (words) => {
        const text = [...document.querySelectorAll('[data-testid=captions] [data-kind=final]')]
          .map((p) => p.textContent ?? '')
          .join(' ')
          .toLowerCase();
        const found = words.filter((w) => text.includes(w));
        return found.length >= 3 ? text : false;
      },
      WORDS,
      { timeout: 75_000, polling: 500 },
    );
    const captions = String(await heard.jsonValue());
    console.log(`viewer captions: "${captions}"`);
    expect(WORDS.filter((w) => captions.includes(w)).length).toBeGreaterThanOrEqual(3);
    await screenshot(student.page, '03-viewer-captions');
    await screenshot(lecturer.page, '04-lecturer-live');

    // The display controls work, and the page fits a phone.
    await student.page.getByRole('button', { name: 'Larger text' }).click();
    await student.page.getByLabel('Colours').selectOption('dark');
    await student.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(student.page, '05-viewer-phone-dark');
    const overflow = await student.page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    expect(overflow).toBe(false);

    // Stop: the session ends for the viewer too, and its transcript is readable.
    await lecturer.page.getByRole('button', { name: 'Stop' }).click();
    await lecturer.page.getByText('The session has ended').waitFor({ timeout: 15_000 });
    await student.page.getByTestId('feed-state').getByText('ended').waitFor({ timeout: 15_000 });
    await lecturer.page.getByRole('link', { name: 'Read its transcript' }).click();
    await lecturer.page.getByRole('list', { name: 'Transcript' }).waitFor();
    const transcript = (await lecturer.page.getByRole('list', { name: 'Transcript' }).innerText()).toLowerCase();
    expect(WORDS.filter((w) => transcript.includes(w)).length).toBeGreaterThanOrEqual(3);
    expect(transcript).toMatch(/\d\d:\d\d/);
    await screenshot(lecturer.page, '06-transcript');

    expect(lecturer.errors).toEqual([]);
    expect(student.errors).toEqual([]);
    await lecturerContext.close();
    await studentContext.close();
  });
});
