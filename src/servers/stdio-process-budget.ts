import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import type { UpstreamClientFactory } from '../mcp/upstream-client.js';
import { isStdioSpec } from './server-spec.js';

export interface StdioProcessLimits {
  /** STDIO_MAX_PROCESSES: stdio servers running in this process, whoever started them. */
  max: number;
  /** STDIO_MAX_PROCESSES_PER_KEY: those of the sessions of one API key. */
  maxPerKey: number;
}

/** Who a stdio server runs for: an API key, and whether it is trusted. */
export interface ProcessHolder {
  /**
   * The API key owning the session, or that added the server over the API elsewhere (the
   * global scope); undefined without keys, or with no caller (the queue): the total applies.
   */
  key?: string;
  /**
   * A server of the servers file in the global scope: the operator's own, started whatever
   * the count (it still counts). Sessions' copies of file servers are not: there is one per
   * session, so sessions alone could start thousands.
   */
  trusted: boolean;
}

/**
 * Bounds the stdio servers running in this gateway process. Each is a process tree (a node
 * server takes about 40 MB), and sessions multiply them: by default every session runs its
 * own copy of each stdio server of the servers file, and a key may add up to
 * SESSION_MAX_SERVERS more to each of its sessions. A place is held from the spawn until the
 * process is closed or found dead, so a server restarting competes for it again.
 */
export class StdioProcessBudget {
  private running = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly limits: StdioProcessLimits) {}

  get size(): number {
    return this.running;
  }

  /** Throws SERVER_LIMIT (429) unless `count` more could start now for the holder. */
  assertRoom(holder: ProcessHolder, count: number): void {
    if (holder.trusted || count === 0) return;
    const { max, maxPerKey } = this.limits;
    if (this.running + count > max) {
      throw new GatewayError(
        ErrorCode.SERVER_LIMIT,
        `No room for ${count} more stdio server process(es) in this gateway: its limit is ${max} (STDIO_MAX_PROCESSES). Remove servers or end sessions, or mark servers of the servers file "shared": true`,
      );
    }
    const ofKey = holder.key === undefined ? 0 : (this.byKey.get(holder.key) ?? 0);
    if (holder.key !== undefined && ofKey + count > maxPerKey) {
      throw new GatewayError(
        ErrorCode.SERVER_LIMIT,
        `This API key runs ${ofKey} stdio server process(es) and its limit is ${maxPerKey} (STDIO_MAX_PROCESSES_PER_KEY); ${count} more cannot start`,
      );
    }
  }

  /** Takes a place, or throws SERVER_LIMIT; the returned function gives it back (once). */
  take(holder: ProcessHolder): () => void {
    this.assertRoom(holder, 1);
    const { key } = holder;
    this.running += 1;
    if (key !== undefined) this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.running -= 1;
      if (key === undefined) return;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left === 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }

  /**
   * The factory, with every stdio connect holding a place for as long as its process lives:
   * refused before anything is spawned, given back when close() has ended it.
   */
  guard(factory: UpstreamClientFactory, holder: ProcessHolder): UpstreamClientFactory {
    return {
      connect: async (name, spec, events, options) => {
        if (!isStdioSpec(spec)) return factory.connect(name, spec, events, options);
        const release = this.take(holder);
        try {
          const client = await factory.connect(name, spec, events, options);
          // Given back once close() has ended the whole process tree, not when the leader
          // exits: its children may still run meanwhile. A server found dead is closed too.
          const close = client.close.bind(client);
          client.close = (reason) => close(reason).finally(release);
          return client;
        } catch (error) {
          release();
          throw error;
        }
      },
    };
  }
}
