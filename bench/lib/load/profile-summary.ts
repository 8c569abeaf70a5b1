/**
 * Summarises a V8 .cpuprofile by self time: the top functions (with file:line) and the
 * share per package (node_modules/<pkg>, node internals, the project's own code).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * The gateway runs as an esbuild bundle: one file, so a frame's url says nothing of the module
 * it came from. esbuild marks each module's start with a `// <path>` line; this maps a bundle
 * line back to that path.
 */
const bundleModules = new Map<string, { line: number; path: string }[]>();

function modulesOfBundle(url: string): { line: number; path: string }[] {
  let modules = bundleModules.get(url);
  if (!modules) {
    modules = [];
    try {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
      lines.forEach((text, line) => {
        const marker = /^\/\/ ((?:\.\.\/)*(?:node_modules|src|mcp_servers)\/\S+)$/.exec(text);
        if (marker) modules!.push({ line, path: marker[1].replace(/^(\.\.\/)+/, '') });
      });
    } catch {
      // not a file of this machine: no mapping
    }
    bundleModules.set(url, modules);
  }
  return modules;
}

/** The module path a frame's line falls in, when the frame is from a bundle. */
function sourceOf(url: string, lineNumber: number): string {
  if (!url.startsWith('file:')) return url;
  const modules = modulesOfBundle(url);
  let found = '';
  for (const module of modules) {
    if (module.line > lineNumber) break;
    found = module.path;
  }
  if (found) return `/${found}`;
  // Before the first module: esbuild's own helpers (__name, __require...).
  return modules.length > 0 ? 'esbuild helpers' : url;
}

function packageOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (/^\/(src|mcp_servers)\//.test(url)) return url.slice(1).replace(/\/[^/]+$/, '/');
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6).replace(/\/[^/]+$/, '/') : url;
}

export function summariseProfile(file: string, top = 30): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    const source = sourceOf(callFrame.url, callFrame.lineNumber);
    const where = callFrame.url
      ? `${source.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = packageOf(source);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `profile ${file}: ${(total / 1000).toFixed(0)} ms`,
    'self time by package:',
    ...rows(byPackage, 15),
    `self time by function (top ${top}):`,
    ...rows(byFunction, top),
  ].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js') && process.argv[2]) {
  console.log(summariseProfile(process.argv[2], Number(process.argv[3] ?? 30)));
}
