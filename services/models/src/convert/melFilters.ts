/**
 * The mel filterbank whisper was trained with: librosa's `filters.mel(sr=16000, n_fft=400,
 * n_mels)` — Slaney mel scale with Slaney area normalisation. whisper.cpp reads it from the
 * model file, and the CTranslate2 packages do not carry it, so it is computed here.
 */

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** Row-major [nMels][nFft/2+1] weights. */
export function melFilters(nMels: number, sampleRate = 16000, nFft = 400): Float32Array {
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * sampleRate) / nFft);
  const melMax = hzToMel(sampleRate / 2);
  const melPoints = Array.from({ length: nMels + 2 }, (_, i) =>
    melToHz((i * melMax) / (nMels + 1)),
  );
  const out = new Float32Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const lo = melPoints[m] ?? 0;
    const centre = melPoints[m + 1] ?? 0;
    const hi = melPoints[m + 2] ?? 0;
    const norm = 2 / (hi - lo);
    for (let b = 0; b < nBins; b++) {
      const f = fftFreqs[b] ?? 0;
      const rising = (f - lo) / (centre - lo);
      const falling = (hi - f) / (hi - centre);
      out[m * nBins + b] = Math.max(0, Math.min(rising, falling)) * norm;
    }
  }
  return out;
}
