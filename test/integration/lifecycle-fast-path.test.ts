// The whole lifecycle suite again, through build/tsrc as callers run it: its state/start/kill/
// delete/list calls are then answered by the native fast path where it serves them, and by Node
// (from the startup snapshot) where it does not. lifecycle.test.ts itself runs bin/tsrc (Node only).
process.env.TSRC_BIN = 'build/tsrc';
await import('./lifecycle.test.js');
