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
const WORDS = [
  'photosynthesis',
  'light',
  'energy',
  'chemical',
  'plants',
  'carbon',
  'dioxide',
  'water',
  'oxygen',
];

let platform: Awaited<ReturnType<typeof startPlatform>>;
let browser: Browser;

beforeAll(async () => {
  const t0 = Date.now();
  buildWebApp();
  const microphone = speechWav(PASSAGE, mkdtempSync(join(tmpdir(), 'lm-web-mic-')));
  const t1 = Date.now();
  [platform, browser] = await Promise.all([startPlatform(), launchBrowser(microphone)]);
  console.log(`setup: build+wav ${t1 - t0} ms, platform+browser ${Date.now() - t1} ms`);
});

afterAll(async () => {
  const t0 = Date.now();
  await browser?.close();
  const t1 = Date.now();
  await platform?.stop();
  console.log(`teardown: browser ${t1 - t0} ms, platform ${Date.now() - t1} ms`);
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
      () =>
        Number(document.querySelector('[data-testid=level]')?.getAttribute('aria-valuenow')) > 5,
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

    // Captions with words of the recording appear (provisional ones first), then settle: finals
    // with them must be there before Stop, so that the stored transcript has them too.
    const captionText = (kinds: string, needed: number) =>
      student.page.waitForFunction(
        ({ words, selector, needed }) => {
          const text = [...document.querySelectorAll(selector)]
            .map((p) => p.textContent ?? '')
            .join(' ')
            .toLowerCase();
          return words.filter((w) => text.includes(w)).length >= needed ? text : false;
        },
        {
          words: WORDS,
          selector: `[data-testid=captions] ${kinds}`,
          needed,
        },
        { timeout: 90_000, polling: 500 },
      );
    try {
      const heard = String(await (await captionText('[data-kind]', 3)).jsonValue());
      console.log(`viewer captions: "${heard}"`);
      expect(WORDS.filter((w) => heard.includes(w)).length).toBeGreaterThanOrEqual(3);
      const settled = String(await (await captionText('[data-kind=final]', 3)).jsonValue());
      console.log(`settled captions: "${settled}"`);
    } catch (error) {
      await screenshot(student.page, 'failed-viewer');
      await screenshot(lecturer.page, 'failed-lecturer');
      throw error;
    }
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
    const transcript = (
      await lecturer.page.getByRole('list', { name: 'Transcript' }).innerText()
    ).toLowerCase();
    expect(WORDS.filter((w) => transcript.includes(w)).length).toBeGreaterThanOrEqual(3);
    expect(transcript).toMatch(/\d\d:\d\d/);
    await screenshot(lecturer.page, '06-transcript');

    // The lecture was recorded: its transcript page has a player, and choosing a line (here with
    // the keyboard) plays the recording from that line's time, with the line highlighted.
    const player = lecturer.page.locator('audio');
    await player.waitFor({ timeout: 15_000 });
    const duration = await player.evaluate(
      (a) =>
        new Promise<number>((resolve) => {
          const media = a as HTMLAudioElement;
          if (media.readyState >= 1) resolve(media.duration);
          else
            media.addEventListener('loadedmetadata', () => resolve(media.duration), { once: true });
        }),
    );
    const lineButtons = lecturer.page.getByRole('list', { name: 'Transcript' }).getByRole('button');
    const lineCount = await lineButtons.count();
    expect(lineCount).toBeGreaterThan(0);
    // The last line: the furthest from the start.
    const chosen = lineButtons.nth(lineCount - 1);
    const lineStart = Number(await chosen.getAttribute('data-start-ms')) / 1000;
    // The player starts far from the line, so only a seek to it can put it there.
    const away = lineStart > duration / 2 ? 0 : Math.max(0, duration - 0.5);
    await player.evaluate((a, t) => ((a as HTMLAudioElement).currentTime = t), away);
    console.log(
      `recorded lecture: ${duration.toFixed(1)} s; chosen line at ${lineStart.toFixed(2)} s, player at ${away.toFixed(1)} s`,
    );
    expect(duration).toBeGreaterThan(lineStart);
    await chosen.focus();
    await lecturer.page.keyboard.press('Enter');
    const position = await lecturer.page.waitForFunction(
      (start) => {
        const media = document.querySelector('audio');
        // Within a moment of the click: playing from the line's start (plus what has played).
        return media &&
          !media.paused &&
          media.currentTime >= start - 0.05 &&
          media.currentTime < start + 1.5
          ? media.currentTime
          : false;
      },
      lineStart,
      { timeout: 1_500, polling: 50 },
    );
    console.log(`player at ${Number(await position.jsonValue()).toFixed(2)} s after the click`);
    await lecturer.page
      .getByRole('list', { name: 'Transcript' })
      .locator('button.playing')
      .first()
      .waitFor({ timeout: 5_000 });
    await screenshot(lecturer.page, '06b-transcript-playing');
    await player.evaluate((a) => (a as HTMLAudioElement).pause());

    // Search across the course's transcripts finds the lecture's line.
    await lecturer.page.getByRole('link', { name: 'Courses' }).click();
    await lecturer.page.getByRole('link', { name: 'Biology 101' }).click();
    // A word the transcript has (the recogniser may have missed any particular one).
    const word = WORDS.find((w) => transcript.includes(w)) ?? 'energy';
    await lecturer.page.getByLabel('Search the transcripts of this course').fill(word);
    await lecturer.page.getByLabel('Search the transcripts of this course').press('Enter');
    const results = lecturer.page.getByRole('list', { name: 'Search results' });
    await results
      .getByRole('link', { name: /Photosynthesis/ })
      .first()
      .waitFor();
    expect((await results.innerText()).toLowerCase()).toContain(word);
    await screenshot(lecturer.page, '07-course-search');

    // The ended lecture is indexed into the course library in the background: the materials
    // page's search finds its passage, and the hit opens the transcript at that line.
    await lecturer.page.getByRole('link', { name: 'Materials' }).click();
    const librarySearch = lecturer.page.getByLabel('Search materials and lecture transcripts');
    const lectureHit = lecturer.page
      .getByRole('list', { name: 'Search results' })
      .getByRole('link', { name: /Photosynthesis · \d\d:\d\d/ })
      .first();
    await librarySearch.fill(word);
    for (let attempt = 0; ; attempt++) {
      await librarySearch.press('Enter');
      try {
        await lectureHit.waitFor({ timeout: 2_000 });
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
      }
    }
    await screenshot(lecturer.page, '08-materials-lecture-search');
    await lectureHit.click();
    const cited = lecturer.page.getByRole('list', { name: 'Transcript' }).locator('[aria-current]');
    await cited.waitFor();
    expect(new URL(lecturer.page.url()).searchParams.get('at')).toMatch(/^\d+$/);
    expect((await cited.innerText()).toLowerCase()).toMatch(/\d\d:\d\d/);
    await screenshot(lecturer.page, '09-transcript-cited-line');

    expect(lecturer.errors).toEqual([]);
    expect(student.errors).toEqual([]);
    await lecturerContext.close();
    await studentContext.close();
  });
});
