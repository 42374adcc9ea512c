export { waitFor, sleep, type Present, type WaitForOptions } from './waitFor.js';
export { ServiceProcess, freePort, type ServiceProcessOptions } from './ServiceProcess.js';
export { errorCode, localAuth } from './localAuth.js';
