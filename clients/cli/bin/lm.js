#!/usr/bin/env node
// The `lm` command. TypeScript sources run through tsx, like every service (see docs/decisions/0001).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
