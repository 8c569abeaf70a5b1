// Preloaded into a bundled program by test/bundle.e2e-spec.ts: prints every package the
// program require()s at run time (Node's built-ins aside), one `runtime-require <id>` line each.
const Module = require('node:module');
const load = Module._load;
const seen = new Set();
Module._load = function (request, ...rest) {
  if (!Module.isBuiltin(request) && !seen.has(request)) {
    seen.add(request);
    process.stderr.write(`runtime-require ${request}\n`);
  }
  return load.call(this, request, ...rest);
};
