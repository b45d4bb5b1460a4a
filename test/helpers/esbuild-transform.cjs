// jest's TypeScript transform: esbuild strips the types, file by file, as tsconfig's `isolatedModules` allows.
// The type check is `tsc`'s job in npm test. ts-jest did the same through TypeScript's own transpiler, which
// on a fresh clone (an empty jest cache) cost each worker seconds of CPU and loading TypeScript first.
const { createHash } = require('node:crypto');
const { transformSync, version } = require('esbuild');

const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'node20.12', // package.json's engines: import attributes (`with { type: 'json' }`) kept
  sourcemap: 'external',
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};
const KEY = `${version}:${JSON.stringify(OPTIONS)}`;

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256').update(KEY).update('\0').update(path).update('\0').update(source).digest('hex');
  },
  process(source, path) {
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: path });
    return { code, map };
  },
};
