import { Injectable } from '@nestjs/common';

/**
 * How often each tool was called through the MCP door, per scope, for
 * GATEWAY_MCP_TOOLS=hybrid ("the K most used tools"). In memory: a restart or another
 * replica starts from zero, which only changes which tools are listed up front; every
 * tool stays reachable through the meta-tools.
 */
@Injectable()
export class ToolUsage {
  private readonly counts = new Map<string, Map<string, number>>();

  record(scope: string, tool: string): void {
    const counts = this.counts.get(scope) ?? new Map<string, number>();
    counts.set(tool, (counts.get(tool) ?? 0) + 1);
    this.counts.set(scope, counts);
  }

  /** The `k` most used of `names`, ties (and never-used tools) in name order. */
  top(scope: string, names: readonly string[], k: number): string[] {
    const counts = this.counts.get(scope);
    return [...names]
      .sort((a, b) => (counts?.get(b) ?? 0) - (counts?.get(a) ?? 0) || a.localeCompare(b))
      .slice(0, k);
  }

  forget(scope: string): void {
    this.counts.delete(scope);
  }
}
