// `npm test` runs test/suites/*.suite.ts, each importing a group of test files (see jest.config.js). A test
// file no suite imports would never run in CI; one imported twice would run twice.
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEST = fileURLToPath(new URL('../', import.meta.url));
const SUITES = posix.join(TEST, 'suites');

function testFiles(dir = ''): string[] {
  return readdirSync(posix.join(TEST, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return path === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Each suite's imports, as paths relative to test/ with their .ts names. */
function suiteImports(): Map<string, string[]> {
  const suites = new Map<string, string[]>();
  for (const name of readdirSync(SUITES).filter((file) => file.endsWith('.suite.ts'))) {
    const text = readFileSync(posix.join(SUITES, name), 'utf8');
    const imports = [...text.matchAll(/^import '([^']+)';$/gm)].map((m) => posix.join('suites', m[1]!).replace(/\.js$/, '.ts'));
    expect(text.trim().split('\n')).toHaveLength(imports.length);
    suites.set(name, imports);
  }
  return suites;
}

describe('the suites npm test runs', () => {
  test('import every test file exactly once, and nothing that is not one', () => {
    const files = testFiles().sort();
    const imported = [...suiteImports().values()].flat().sort();
    expect(imported).toEqual(files);
  });

  test('are numbered in the order jest starts them, each number once', () => {
    const numbers = [...suiteImports().keys()].map((name) => name.slice(0, 2));
    expect(numbers.every((n) => /^\d\d$/.test(n))).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
