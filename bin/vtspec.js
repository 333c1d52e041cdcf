#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the "prepare" script).
import('../dist/conformance/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/conformance/cli/main.js')) {
    process.stderr.write('vtspec: the CLI is not built yet; run `npm install` (or `npm run build`) in the package first\n');
    process.exit(2);
  }
  throw err;
});
