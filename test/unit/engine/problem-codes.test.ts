import { readFileSync } from 'node:fs';
import { BPMN_PROBLEM_CODES } from '../../../server/shared/errors.js';

describe('BPMN problem codes', () => {
  test('every code is documented once in the table of server/engine/README.md, and the table lists no other', () => {
    const readme = readFileSync(new URL('../../../server/engine/README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` +\| (error|warning) +\|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...BPMN_PROBLEM_CODES].sort());
  });
});
