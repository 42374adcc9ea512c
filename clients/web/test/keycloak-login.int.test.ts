// The web app's sign-in in distributed mode: the authorization-code flow with PKCE against a REAL
// Keycloak (scripts/infra/keycloak.sh, realm deploy/keycloak/little-monster-realm.json) and a
// gateway in Keycloak mode serving the built app. Needs KEYCLOAK_URL and KEYCLOAK_REALM
// (scripts/test.sh exports them); without them the test fails with how to set them.
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '@lm/db';
import {
  Gateway,
  gatewayConfigSchema,
  registerIdentityRoutes,
  registerWebRoutes,
} from '@lm/gateway';
import { createIdentity, DEV_USERS, keycloakVerifier, seedDevData } from '@lm/identity';
import { createLogger, createMetricsRegistry, HealthRegistry, loadConfig } from '@lm/kit';
import { launchBrowser, openPage, screenshot } from './support/browser.js';
import { buildWebApp } from './support/platform.js';

const keycloakUrl = process.env.KEYCLOAK_URL?.replace(/\/+$/, '');
const realm = process.env.KEYCLOAK_REALM;
/**
 * The origin the browser sees. The realm's lm-web client accepts redirects to the gateway's
 * registered development origin only, so the test gateway (on a free port) is reached through it:
 * the browser's requests to this origin are answered by the test gateway (`proxyTo` below).
 */
const APP_ORIGIN = 'http://127.0.0.1:8080';

let browser: Browser;
let gateway: Gateway | undefined;
let db: Db | undefined;
let gatewayUrl = '';

function realmBase(): string {
  if (!keycloakUrl || !realm)
    throw new Error(
      'KEYCLOAK_URL and KEYCLOAK_REALM must be set (bash scripts/infra/keycloak.sh start && ' +
        'bash scripts/infra/keycloak.sh wait; export KEYCLOAK_URL=http://127.0.0.1:18080 ' +
        'KEYCLOAK_REALM=little-monster)',
    );
  return `${keycloakUrl}/realms/${realm}`;
}

beforeAll(async () => {
  buildWebApp();
  // Responses the test answers itself (`proxyTo`) carry no IP address, so Chromium counts the
  // app's page as public and would refuse its fetch to Keycloak on loopback (Local Network
  // Access). In real use the app and Keycloak are on the same network; the check is off here only.
  browser = await launchBrowser(undefined, ['--disable-features=LocalNetworkAccessChecks']);
  if (!keycloakUrl || !realm) return; // the test reports it
  const logger = createLogger({ service: 'web-keycloak-test', level: 'silent' });
  db = await Db.open({});
  await db.migrate();
  const identity = createIdentity({
    db,
    logger,
    mode: 'keycloak',
    verifier: keycloakVerifier({ keycloakUrl, realm }),
  });
  // Keycloak mode: rows without passwords under the realm's user ids, and Biology 101.
  await seedDevData(identity);
  gateway = new Gateway({
    config: loadConfig(gatewayConfigSchema, { GATEWAY_PORT: '0', GATEWAY_HOST: '127.0.0.1' }),
    logger,
    health: new HealthRegistry(),
    metrics: createMetricsRegistry('web-keycloak-test'),
    version: 'test',
    mode: 'test',
    components: [],
  });
  gateway.addRoutes((app) => {
    registerIdentityRoutes(app, { identity, logger, keycloakIssuer: realmBase() });
    registerWebRoutes(app, { distDir: fileURLToPath(new URL('../dist', import.meta.url)) });
  });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen()}`;
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await db?.close();
});

describe('web app: sign-in with Keycloak (authorization code + PKCE)', () => {
  it("a student signs in on the realm's login page and lands on the dashboard", async () => {
    const base = realmBase();
    const context = await browser.newContext();
    // proxyTo: everything for the app's origin is answered by the test gateway; Keycloak is
    // reached as it is.
    await context.route(`${APP_ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      const response = await route.fetch({ url: `${gatewayUrl}${url.pathname}${url.search}` });
      await route.fulfill({ response });
    });
    const { page, errors } = await openPage(context);
    const keycloakRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(base)) keycloakRequests.push(request.url());
    });

    await page.goto(`${APP_ORIGIN}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, '30-keycloak-sign-in');
    await page.getByRole('button', { name: 'Sign in with your organisation account' }).click();

    // Keycloak's own login form.
    await page.waitForURL((url) => url.href.startsWith(`${base}/protocol/openid-connect/auth`));
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get('client_id')).toBe('lm-web');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${APP_ORIGIN}/app/callback`);
    const student = DEV_USERS[1];
    await page.locator('#username').fill(student.email);
    await page.locator('#password').fill(student.password);
    await screenshot(page, '31-keycloak-login-form');
    await page.locator('#kc-login').click();

    // Back in the app, signed in as that user, with the realm's tokens.
    try {
      await page.getByRole('heading', { name: 'Your courses' }).waitFor({ timeout: 30_000 });
    } catch (error) {
      await screenshot(page, 'failed-keycloak');
      console.log(`stuck at ${page.url()}; page errors: ${errors.join(' | ')}`);
      throw error;
    }
    expect(new URL(page.url()).pathname).toBe('/app/');
    await page.getByRole('link', { name: 'Biology 101' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const stored = await page.evaluate(() => localStorage.getItem('lm.tokens'));
    const tokens = JSON.parse(stored ?? '{}') as { source?: string; accessToken?: string };
    expect(tokens.source).toBe('keycloak');
    const claims = JSON.parse(
      Buffer.from(tokens.accessToken?.split('.')[1] ?? '', 'base64url').toString(),
    ) as { iss?: string; email?: string; azp?: string };
    expect(claims).toMatchObject({ iss: base, email: student.email, azp: 'lm-web' });
    // The code was traded at the token endpoint with the verifier (no secret, no password grant).
    expect(
      keycloakRequests.some((u) => u.startsWith(`${base}/protocol/openid-connect/token`)),
    ).toBe(true);
    await screenshot(page, '32-keycloak-dashboard');

    // The callback cannot be replayed: the pending login was used up.
    await page.goto(`${APP_ORIGIN}/app/callback?code=replayed&state=replayed`);
    await page.getByRole('alert').getByText('already been used').waitFor();

    // Signing out ends the realm's session too (Keycloak asks to confirm without an ID token).
    await page.goto(`${APP_ORIGIN}/app/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${base}/protocol/openid-connect/logout`));
    await page.locator('#kc-logout').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).origin).toBe(APP_ORIGIN);
    expect(await page.evaluate(() => localStorage.getItem('lm.tokens'))).toBeNull();
    // The next sign-in shows Keycloak's password form again.
    await page.getByRole('button', { name: 'Sign in with your organisation account' }).click();
    await page.locator('#password').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
