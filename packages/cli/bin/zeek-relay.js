#!/usr/bin/env node
// Stable, committed launcher for the `zeek-relay` bin (npm links it before `tsc` has built dist/).
await import('../dist/src/main.js');
