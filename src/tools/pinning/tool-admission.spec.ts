import { describe, expect, it } from '@jest/globals';
import type { RedisConnections } from '../../common/redis/redis-connections.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import type { UpstreamClientFactory } from '../../mcp/upstream-client.js';
import { ServerRegistry } from '../../servers/server-registry.js';
import { ToolCatalog } from '../tool-catalog.js';
import { ToolAdmission } from './tool-admission.js';
import { ToolPins } from './tool-pins.service.js';

const config = {
  security: { toolPinning: 'enforce', toolPinTtlDays: 30, maxToolDefinitionBytes: 65_536 },
} as GatewayConfig;
const redis = { key: (...parts: string[]) => parts.join(':'), get: () => undefined };
const options = { timeoutMs: 1000, pingIntervalMs: 0, killGraceMs: 0, maxTools: 10 };

describe('ToolAdmission and the catalogs it follows', () => {
  it("lets a session's catalog go when the session ends, not at the next pin change", async () => {
    const admission = new ToolAdmission(
      new ToolPins(config, redis as unknown as RedisConnections),
      config,
    );
    const registries = Array.from(
      { length: 100 },
      (_, i) => new ServerRegistry(`sess_${i}`, {} as UpstreamClientFactory, options),
    );
    const catalogs = registries.map((r) => new ToolCatalog(r, 'always', admission));
    expect(admission.watching).toBe(100);
    await Promise.all(registries.slice(0, 99).map((r) => r.closeAll()));
    expect(admission.watching).toBe(1);
    expect(catalogs).toHaveLength(100);
  });
});
