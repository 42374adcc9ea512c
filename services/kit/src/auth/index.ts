export * from './Principal.js';
export * from './JwksTokenVerifier.js';
export * from './LocalTokenIssuer.js';
