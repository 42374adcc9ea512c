import { wordErrorRate } from '@lm/audio/testing';
import { Readable } from 'node:stream';
import { decodeToPcm16k, encodeWav } from '@lm/audio';
import { createLogger } from '@lm/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceLoop } from '../bench/VoiceLoop.js';

const NOTES = `# Cell Biology

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA and join amino acids into proteins.

## Mitochondria

Mitochondria produce most of the chemical energy of the cell, stored as ATP.
`;

describe('voice loop: spoken question → transcriber → tutor → speech (embedded defaults, real models)', () => {
  let loop: VoiceLoop;

  beforeAll(async () => {
    loop = await VoiceLoop.open(createLogger({ service: 'voice-loop-test', level: 'warn' }));
    await loop.library.upload({
      courseId: 'bio',
      ownerId: 'teacher',
      filename: 'cells.md',
      data: Buffer.from(NOTES),
    });
  });

  afterAll(async () => {
    await loop?.close();
  });

  it('answers a spoken question out loud from the uploaded notes, citing them', async () => {
    const exchange = await loop.ask('bio', 'Which part of the cell produces its chemical energy?');
    const done = exchange.reply.at(-1)?.body;
    if (done?.$case !== 'done')
      throw new Error(`no answer: ${JSON.stringify(exchange.reply.at(-1))}`);
    console.log(`heard question: "${exchange.heardQuestion}" answer: "${done.value.text}"`);
    expect(done.value.citations[0]).toMatchObject({
      kind: 'material',
      title: 'Cell Biology',
      heading: 'Cell Biology > Mitochondria',
    });
    // The spoken answer, read back by whisper, says what the notes say.
    const wav = encodeWav({ sampleRate: exchange.sampleRate, channels: 1, samples: exchange.pcm });
    const pcm16k = await decodeToPcm16k(Readable.from([wav]));
    const heard = await loop.whisper.recognize(
      Float32Array.from(pcm16k, (s) => s / 32768),
      { language: 'en' },
    );
    const text = heard.segments
      .map((s) => s.text)
      .join(' ')
      .toLowerCase();
    // Piper samples noise, so a word may be misheard ("might a condria"): the reading as a whole
    // must match the written answer, and the answer's key word must be there.
    const spoken = done.value.text.replace(/\[\d+\]/g, '');
    const wer = wordErrorRate(spoken, text);
    console.log(`spoken answer read back: "${text}" (WER ${(wer * 100).toFixed(0)}%)`);
    expect(wer).toBeLessThanOrEqual(0.25);
    expect(text).toMatch(/energy/);
    expect(text).toMatch(/course materials/);
    // From the last sample of speech (the recording goes on with ~350 ms of silence).
    const voiceToVoiceMs = exchange.firstAudioAt - exchange.lastSpeechAt;
    console.log(
      `voice-to-voice: ${Math.round(voiceToVoiceMs)} ms (turn decided ${exchange.turnDecidedAt ? Math.round(exchange.turnDecidedAt - exchange.lastSpeechAt) : '?'} ms after end of speech, reply prepared during the pause: ${String(exchange.speculative)})`,
    );
    expect(voiceToVoiceMs).toBeGreaterThan(0);
  });
});
