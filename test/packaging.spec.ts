import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './helpers/paths.js';

// No Docker engine runs here, so the image is checked by reading what builds it.
const dockerfile = readFileSync(resolve(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('builds in one stage and runs from a slim Node 24 image in another', () => {
    const stages = instructions.filter((l) => l.startsWith('FROM '));
    expect(stages).toEqual(['FROM node:24-slim AS build', 'FROM node:24-slim AS runtime']);
    expect(instructions).toContain('COPY --from=build /app/dist ./dist');
  });

  it('installs production dependencies only in the runtime stage', () => {
    const runtime = instructions.slice(instructions.indexOf('FROM node:24-slim AS runtime'));
    expect(runtime.some((l) => l.startsWith('RUN npm ci --omit=dev'))).toBe(true);
  });

  it('runs as a non-root user, listens on all interfaces on 8000, with a health check', () => {
    const user = instructions.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBe('USER node');
    expect(instructions).toContain('EXPOSE 8000');
    expect(dockerfile).toContain('GATEWAY_HOST=0.0.0.0');
    expect(
      instructions.some((l) => l.startsWith('HEALTHCHECK') && l.includes('/health/live')),
    ).toBe(true);
  });

  it('starts the gateway in exec form so SIGTERM reaches it', () => {
    expect(instructions[instructions.length - 1]).toBe('CMD ["node", "dist/src/main.js"]');
  });

  it('keeps dependencies, secrets and build output out of the context', () => {
    const ignored = readFileSync(resolve(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env']));
  });
});

describe('Kubernetes manifests', () => {
  const docs = parseAllDocuments(
    readFileSync(resolve(REPO_ROOT, 'deploy/kubernetes/gateway.yaml'), 'utf8'),
  ).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers[0];

  it('probes liveness and readiness on the gateway routes', () => {
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
  });

  const envOf = (name: string) =>
    Number(container.env.find((e: { name: string }) => e.name === name).value);

  it('gives shutdown more time than the delay, the drain grace and the closing together', () => {
    const ms = envOf('SHUTDOWN_DELAY_MS') + envOf('SHUTDOWN_GRACE_MS');
    expect(envOf('SHUTDOWN_DELAY_MS')).toBeGreaterThan(0);
    // The gateway's own last resort fires 15 s after delay + grace: the kubelet must not first.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      ms + 15_000,
    );
  });

  it('turns off service links, whose REDIS_PORT=tcp://… a Redis Service would inject', () => {
    expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
  });

  it('takes secrets from a Secret and runs as non-root', () => {
    expect(container.envFrom[0].secretRef.name).toBe('mcp-gateway');
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(JSON.stringify(docs)).not.toMatch(/REDIS_URL|GATEWAY_API_KEYS/);
  });
});

describe('npm scripts', () => {
  it('run files that exist (sources, or build output that npm run build makes)', () => {
    const { scripts } = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const targets = Object.entries(scripts).flatMap(([name, command]) =>
      [...command.matchAll(/\b(?:tsx|node)\s+(?:watch\s+)?([\w./-]+\.[cm]?[jt]s)\b/g)].map(
        (m) => [name, m[1]] as const,
      ),
    );
    expect(targets.length).toBeGreaterThan(10);
    const missing = targets.filter(([, file]) => !existsSync(resolve(REPO_ROOT, file)));
    expect(missing).toEqual([]);
  });
});
