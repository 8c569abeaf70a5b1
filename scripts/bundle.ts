/**
 * The last step of `npm run build`: bundles the entry points that tsc emitted, in place, so
 * `node dist/src/main.js` loads one file instead of about 2,800 modules (ES and CommonJS;
 * esbuild counts 2,844 inputs). Node 20 has no compile cache for ES modules: resolving,
 * reading and linking them took about 1.5 s of every start. Measured with 100 servers
 * (bench:proxy's scale step, interleaved runs on a loaded host): ready in 3.96 s unbundled,
 * 3.07–3.21 s bundled (medians of 3), for about 25 MiB more RSS (212 → 236–241 MiB).
 *
 * Bundled: main (the HTTP gateway), cli (the stdio door for desktop clients) and the demo
 * server, which the default servers file starts. Everything else in dist stays as tsc wrote
 * it: the benchmarks and scripts import the modules one by one.
 *
 * A require() esbuild cannot follow (a computed name, or one made with createRequire) stays a
 * run-time load from node_modules. @nestjs/terminus's health decorator did that with
 * @nestjs/swagger (see src/health/health-probe.decorator.ts); test/bundle.e2e-spec.ts fails on
 * any such load.
 */
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY_POINTS = ['src/main.js', 'src/cli.js', 'mcp_servers/demo-server.js'];

/**
 * Left out of the bundle. Nest's optional integrations, loaded only when configured (none of
 * them is installed), and swagger-ui-dist, which serves its files from its own folder.
 */
const EXTERNAL = [
  '@nestjs/websockets',
  '@fastify/static',
  'kafkajs',
  'mqtt',
  'amqp-connection-manager',
  '@nats-io/transport-node',
  'swagger-ui-dist',
];

/**
 * The bundle is an ES module, but it carries CommonJS packages (express, ioredis...) that
 * call `require` and read `__dirname`; these give them what Node gives a CommonJS module.
 */
const COMMONJS_GLOBALS = [
  "import { createRequire as __bundleRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileUrl } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const require = __bundleRequire(import.meta.url);',
  'const __filename = __bundleFileUrl(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
].join('\n');

await build({
  absWorkingDir: DIST,
  entryPoints: ENTRY_POINTS,
  outdir: DIST,
  outbase: DIST,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Nest names providers and modules in its logs and errors by their class names.
  keepNames: true,
  sourcemap: 'linked',
  external: EXTERNAL,
  banner: { js: COMMONJS_GLOBALS },
  logLevel: 'warning',
});

/**
 * keepNames makes esbuild call `__name(fn, 'name')` after every function it names, nested
 * ones included, and its helper always does `Object.defineProperty(fn, 'name', ...)`. That
 * ran about 30 times per tool call, on closures the gateway creates per request (Express's
 * router, raw-body, Nest's execution context, the upstream transport...), each time moving the
 * new function to a map of its own: callgrind put `Builtin_ObjectDefineProperty` at 12% of
 * the gateway's instructions on the REST door. The helper now leaves a function alone when its
 * name is already the one asked for (the value is then the same, and the attributes a
 * defineProperty with only `value` and `configurable` leaves are unchanged), so only functions
 * esbuild renamed (a class `Foo2` named back `Foo`) get the defineProperty.
 */
const NAME_HELPER =
  'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const CHECKED_NAME_HELPER =
  'var __name = (target, value) => target.name === value ? target : __defProp(target, "name", { value, configurable: true });';
for (const entry of ENTRY_POINTS) {
  const file = resolve(DIST, entry);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(NAME_HELPER);
  if (at < 0 || text.indexOf(NAME_HELPER, at + 1) >= 0) {
    throw new Error(`${entry}: esbuild's __name helper not found once; update scripts/bundle.ts`);
  }
  // Same line count, so the source map stays right.
  writeFileSync(file, text.replace(NAME_HELPER, CHECKED_NAME_HELPER));
}
