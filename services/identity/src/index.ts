export * from './AccessPolicy.js';
export * from './Courses.js';
export * from './LocalAccounts.js';
export * from './LoginRateLimiter.js';
export * from './PasswordHasher.js';
export * from './UserProfile.js';
export * from './createIdentity.js';
export * from './devSeed.js';
export { newInviteCode } from './secrets.js';
