export * from './Principal.js';
export * from './JwksTokenVerifier.js';
export * from './LocalTokenIssuer.js';
export * from './grpcAuth.js';
export * from './ClientCredentialsTokenSource.js';
export * from './LocalServiceTokenSource.js';
export * from './serviceAuthFromEnv.js';
