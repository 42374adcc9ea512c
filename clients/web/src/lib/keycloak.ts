import type { TokenPair } from '@lm/api';

// OpenID Connect authorization code flow with PKCE against the realm's standard endpoints
// (the issuer URL comes from GET /api/auth/config). The browser is a public client: no secret.

const PENDING_KEY = 'lm.oidc.pending';

interface Pending {
  state: string;
  verifier: string;
  returnTo: string;
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function callbackUrl(): string {
  return `${location.origin}${import.meta.env.BASE_URL}callback`;
}

/** Sends the browser to the realm's login page. */
export async function startKeycloakLogin(issuer: string, clientId: string, returnTo: string) {
  const verifier = randomString(48);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const pending: Pending = { state: randomString(16), verifier, returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(`${issuer}/protocol/openid-connect/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid profile email',
    redirect_uri: callbackUrl(),
    state: pending.state,
    code_challenge: base64Url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

interface OidcTokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in?: number;
  error?: string;
  error_description?: string;
}

async function tokenRequest(issuer: string, body: Record<string, string>): Promise<TokenPair> {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  const json = (await response.json()) as OidcTokenResponse;
  if (!response.ok || !json.access_token)
    throw new Error(json.error_description ?? json.error ?? `Sign-in failed (${response.status})`);
  return {
    accessToken: json.access_token,
    tokenType: 'Bearer',
    expiresIn: json.expires_in,
    refreshToken: json.refresh_token,
    refreshExpiresIn: json.refresh_expires_in,
  };
}

/** Completes the login on the callback page: checks the state, trades the code for tokens. */
export async function finishKeycloakLogin(
  issuer: string,
  clientId: string,
  params: URLSearchParams,
): Promise<{ tokens: TokenPair; returnTo: string }> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) throw new Error('This sign-in link has already been used. Please sign in again.');
  const pending = JSON.parse(raw) as Pending;
  if (params.get('error'))
    throw new Error(params.get('error_description') ?? 'Sign-in was cancelled.');
  if (params.get('state') !== pending.state)
    throw new Error('The sign-in answer does not match this browser. Please sign in again.');
  const tokens = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: clientId,
    code: params.get('code') ?? '',
    redirect_uri: callbackUrl(),
    code_verifier: pending.verifier,
  });
  return { tokens, returnTo: pending.returnTo };
}

export function refreshKeycloak(issuer: string, clientId: string, refreshToken: string) {
  return tokenRequest(issuer, {
    grant_type: 'refresh_token',
    client_id: clientId,
    refresh_token: refreshToken,
  });
}

export function keycloakLogoutUrl(issuer: string, clientId: string): string {
  const url = new URL(`${issuer}/protocol/openid-connect/logout`);
  url.search = new URLSearchParams({
    client_id: clientId,
    post_logout_redirect_uri: `${location.origin}${import.meta.env.BASE_URL}`,
  }).toString();
  return url.toString();
}
