export * from './Authenticator.js';
export * from './identityRoutes.js';
