import { runCli } from './run.js';

// The process entry of `sopflow` (bin/sopflow.js); the commands themselves are in run.ts.

// `sopflow token create EMAIL | head -1` closes the pipe before the last line: not a reason to fail.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
