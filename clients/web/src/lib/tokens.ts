import type { TokenPair } from '@lm/api';

const KEY = 'lm.tokens';

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms after which the access token is considered stale (refreshed a little early). */
  accessExpiresAt: number;
  /** Where they came from: the gateway's local accounts, or Keycloak (refreshed at its token endpoint). */
  source: 'local' | 'keycloak';
}

export function loadTokens(): StoredTokens | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredTokens) : undefined;
  } catch {
    return undefined;
  }
}

export function saveTokens(pair: TokenPair, source: StoredTokens['source']): StoredTokens {
  const stored: StoredTokens = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    accessExpiresAt: Date.now() + Math.max(10, pair.expiresIn - 30) * 1000,
    source,
  };
  localStorage.setItem(KEY, JSON.stringify(stored));
  return stored;
}

export function clearTokens(): void {
  localStorage.removeItem(KEY);
}
