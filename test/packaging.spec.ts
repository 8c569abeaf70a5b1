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
  const stages = instructions.filter((l) => l.startsWith('FROM '));
  const runtime = instructions.slice(instructions.findIndex((l) => l.endsWith(' AS runtime')));

  it('builds in one stage and runs in another, both on one pinned Node 22 LTS slim image', () => {
    expect(stages).toHaveLength(2);
    // A release, not a floating tag (node:22-slim, node:lts-slim), optionally with its digest.
    const image = /^FROM (node:22\.\d+\.\d+-slim(?:@sha256:[0-9a-f]{64})?) AS (build|runtime)$/;
    expect(stages.map((l) => image.exec(l)?.[2])).toEqual(['build', 'runtime']);
    expect(image.exec(stages[0])?.[1]).toBe(image.exec(stages[1])?.[1]);
    expect(instructions).toContain('COPY --from=build /app/dist ./dist');
  });

  it('installs production dependencies only in the runtime stage', () => {
    expect(runtime.some((l) => l.startsWith('RUN npm ci --omit=dev'))).toBe(true);
  });

  it('leaves the port to GATEWAY_PORT, else PORT (hosting platforms), and checks that port', () => {
    expect(dockerfile).not.toMatch(/GATEWAY_PORT=/);
    const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK'));
    expect(healthcheck).toContain('e.GATEWAY_PORT||e.PORT||8000');
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

  it('starts the gateway in exec form under tini, which passes SIGTERM to node alone', () => {
    expect(
      runtime.some((l) => l.startsWith('RUN ') && l.includes('install') && l.includes('tini')),
    ).toBe(true);
    // No -g: the stdio servers share node's process group and are closed by the gateway.
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
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

  const envValue = (name: string): string =>
    container.env.find((e: { name: string }) => e.name === name).value;
  const envOf = (name: string) => Number(envValue(name));

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

  it('mounts no service account token, and writes only to emptyDirs (/tmp, HOME)', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const emptyDirs = new Set(
      pod.volumes
        .filter((v: { emptyDir?: object }) => v.emptyDir)
        .map((v: { name: string }) => v.name),
    );
    const writable = container.volumeMounts
      .filter((m: { name: string }) => emptyDirs.has(m.name))
      .map((m: { mountPath: string }) => m.mountPath);
    // npx -y keeps its cache under HOME, the only variable of the gateway a stdio server gets.
    expect(writable.sort()).toEqual([envValue('HOME'), '/tmp'].sort());
  });

  it('pulls a versioned image only when absent, and keeps a replica through a drain', () => {
    expect(container.image).not.toMatch(/:latest$|^[^:]+$/);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    const budget = docs.find((d) => d.kind === 'PodDisruptionBudget');
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it("allows the Service's in-cluster names, without ports", () => {
    const hosts = envValue('GATEWAY_ALLOWED_HOSTS').split(',');
    const service = docs.find((d) => d.kind === 'Service').metadata.name;
    for (const suffix of ['', '.default', '.default.svc', '.default.svc.cluster.local']) {
      expect(hosts).toContain(service + suffix);
    }
    expect(hosts.filter((h) => h.includes(':'))).toEqual([]);
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
