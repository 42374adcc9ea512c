import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { synthesizeSpeech } from '@lm/audio/testing';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const SCREENSHOTS = join(repoRoot, '.lm', 'screenshots');

/**
 * Debian's Chromium, headless, with a WAV file as the microphone (Chromium loops it). The
 * fake-ui switch accepts the permission prompt; nothing reaches out to the network.
 */
export function launchBrowser(microphoneWav?: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LM_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      ...(microphoneWav
        ? [
            '--use-fake-ui-for-media-stream',
            '--use-fake-device-for-media-stream',
            `--use-file-for-fake-audio-capture=${microphoneWav}`,
          ]
        : []),
      ...extraArgs,
    ],
  });
}

/**
 * A spoken passage as Chromium wants a fake microphone: 48 kHz mono 16-bit, with pauses.
 * Chromium loops the file: `silenceAfterS` is how long the microphone stays quiet before the
 * passage is heard again.
 */
export function speechWav(text: string, dir: string, silenceAfterS = 2.5): string {
  const speech = synthesizeSpeech(text, { voice: 'en-us', speed: 140, dir });
  const out = join(dir, 'microphone-48k.wav');
  // A short lead-in and a long pause after: the recogniser finishes the utterance before the loop.
  execFileSync('sox', [
    speech.path,
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    out,
    'pad',
    '0.5',
    String(silenceAfterS),
  ]);
  return out;
}

/** A page whose console errors and uncaught exceptions are collected for the test to assert on. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/app/`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your courses' }).waitFor();
}
