#!/usr/bin/env -S node --max-semi-space-size=32 --no-allocation-site-pretenuring
// Runs the TypeScript CLI directly: no build step between a checkout and a working command.
// The larger young generation (see the README's "Memory" note) lets a busy server's per-request objects die young.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
