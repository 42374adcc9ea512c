/**
 * GPT-2 byte-level BPE writes each token's bytes as printable characters (bytes that are not
 * printable are shifted to U+0100 and up). The CTranslate2 vocabulary is in that form; whisper.cpp
 * wants the raw bytes, so this undoes the mapping.
 */
function buildUnicodeToByte(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Map<string, number>();
  for (const b of printable) map.set(String.fromCodePoint(b), b);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) continue;
    map.set(String.fromCodePoint(256 + shifted), b);
    shifted++;
  }
  return map;
}

const UNICODE_TO_BYTE = buildUnicodeToByte();

export function gpt2TokenToBytes(token: string): Buffer {
  const bytes: number[] = [];
  for (const ch of token) {
    const b = UNICODE_TO_BYTE.get(ch);
    if (b === undefined) return Buffer.from(token, 'utf8'); // not a byte-level token: keep as text
    bytes.push(b);
  }
  return Buffer.from(bytes);
}
