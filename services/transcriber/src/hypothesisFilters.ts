import { normalise, type TimedWord } from './LocalAgreement.js';

/** A run repeated at least this many times in a row is a decoder loop, even for one word. */
const LOOP_REPEATS = 3;
/** From this many words, one immediate repetition is a loop (people rarely repeat a phrase). */
const MIN_REPEATED_PHRASE = 3;

/**
 * Removes whisper's decoder loops from a hypothesis: a phrase of three or more words repeated
 * right after itself ("because it produces most of the energy because it produces most of the
 * energy"), or any shorter run repeated three times ("ta-se, ta-se, ta-se"). The first
 * occurrence is kept and the rest of the hypothesis dropped. Short audio windows make whisper loop like this, and a looped phrase
 * would otherwise be committed twice.
 */
export function dropRepetitions(words: readonly TimedWord[]): TimedWord[] {
  const out: TimedWord[] = [];
  const keys: string[] = [];
  for (const word of words) {
    out.push(word);
    keys.push(normalise(word.text));
    for (let size = 1; size * 2 <= keys.length; size++) {
      const repeats = countTrailingRepeats(keys, size);
      if ((size >= MIN_REPEATED_PHRASE && repeats >= 2) || repeats >= LOOP_REPEATS) {
        // A looping decoder does not recover: what follows is more of the loop.
        return out.slice(0, out.length - (repeats - 1) * size);
      }
    }
  }
  return out;
}

/** How many times the last `size` keys occur back to back at the end of `keys`. */
function countTrailingRepeats(keys: readonly string[], size: number): number {
  const tail = keys.slice(keys.length - size);
  let repeats = 1;
  for (let end = keys.length - size; end - size >= 0; end -= size) {
    const block = keys.slice(end - size, end);
    if (!block.every((k, i) => k === tail[i])) break;
    repeats += 1;
  }
  return repeats;
}

/** Drops words timed past the end of the decoded audio: whisper invents them after the speech. */
export function withinAudio(words: readonly TimedWord[], audioMs: number): TimedWord[] {
  return words.filter((w) => w.startMs < audioMs);
}

/** How far whisper's word times may run backwards (or past the audio) before they are redone. */
const TIME_SLACK_MS = 150;

/**
 * Word times that go backwards (or past the audio's end) are whisper losing track of time, which
 * happens after a long pause or a reworded stretch. From the first such word on, the words are
 * spread over the rest of the audio in proportion to their length — approximate, but in order
 * and in the right place, which is what captions, exports and latency figures need.
 */
export function monotonicTimes(
  words: readonly TimedWord[],
  audioStartMs: number,
  audioEndMs: number,
): TimedWord[] {
  const broken = words.findIndex((w, i) => {
    const previousEnd = i === 0 ? audioStartMs : (words[i - 1]?.endMs ?? audioStartMs);
    return w.startMs < previousEnd - TIME_SLACK_MS || w.endMs > audioEndMs + TIME_SLACK_MS;
  });
  if (broken < 0) return [...words];
  const from = broken === 0 ? audioStartMs : (words[broken - 1]?.endMs ?? audioStartMs);
  const rest = words.slice(broken);
  const weights = rest.map((w) => w.text.trim().length + 2);
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, audioEndMs - from);
  let at = from;
  const retimed = rest.map((w, i) => {
    const duration = (span * (weights[i] ?? 0)) / total;
    const word = { ...w, startMs: at, endMs: at + duration };
    at += duration;
    return word;
  });
  return [...words.slice(0, broken), ...retimed];
}
