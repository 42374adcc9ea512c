import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { FETCH_COMMAND } from '../modelsDir.js';

const run = promisify(execFile);

/**
 * Text → IPA phonemes with the espeak-ng program (Debian's espeak-ng), which is what Piper voices
 * were trained on. The program drops punctuation, but Piper voices use it for prosody, so text is
 * cut into clauses here and each clause's closing punctuation is put back after its phonemes.
 */
export class EspeakPhonemizer {
  constructor(
    readonly voice: string,
    private readonly binary = process.env.LM_ESPEAK_NG ?? 'espeak-ng',
  ) {}

  /** Sentences of a text, each as one phoneme string (clauses joined with their punctuation). */
  async phonemize(text: string): Promise<string[]> {
    const sentences: string[] = [];
    for (const sentence of splitSentences(text)) {
      let phonemes = '';
      for (const { clause, punctuation } of splitClauses(sentence)) {
        const ipa = await this.clause(clause);
        if (ipa.length === 0) continue;
        phonemes += (phonemes ? ' ' : '') + ipa + punctuation;
      }
      if (phonemes.length > 0) sentences.push(phonemes);
    }
    return sentences;
  }

  private async clause(text: string): Promise<string> {
    try {
      const child = run(this.binary, ['-q', '--ipa', '-v', this.voice], { maxBuffer: 1 << 20 });
      child.child.stdin?.end(text);
      const { stdout } = await child;
      return stdout.replace(/\s+/g, ' ').trim();
    } catch (err) {
      throw new ModelUnavailableError(
        'espeak-ng',
        'runtime',
        `${this.binary} failed or is not installed (apt package espeak-ng; ${FETCH_COMMAND} installs it)`,
        err,
      );
    }
  }
}

export function splitSentences(text: string): string[] {
  return (text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]*/g) ?? [])
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

export function splitClauses(sentence: string): { clause: string; punctuation: string }[] {
  const out: { clause: string; punctuation: string }[] = [];
  for (const m of sentence.matchAll(/([^,;:.!?]+)([,;:.!?]*)/g)) {
    const clause = (m[1] ?? '').trim();
    if (/[\p{L}\p{N}]/u.test(clause)) out.push({ clause, punctuation: (m[2] ?? '').slice(0, 1) });
  }
  return out;
}
