import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * What the client would have had to declare in its initialize for an upstream server's
 * `method` to be relayed to it, or undefined when it declared it (or none is needed).
 *
 * MCP lets a server send sampling and elicitation requests only to a client that declared
 * the capability. A client that did not may never answer one (a plain HTTP client does not
 * read requests off the answer stream), and the upstream server would then wait for its own
 * timeout with the tool call held open; refused at once, it decides what to do instead.
 */
export function missingCapability(
  method: string,
  params: Record<string, unknown>,
  capabilities: ClientCapabilities | undefined,
): string | undefined {
  switch (method) {
    case 'sampling/createMessage': {
      const sampling = capabilities?.sampling;
      if (!sampling) return 'the sampling capability';
      const withTools = params.tools !== undefined || params.toolChoice !== undefined;
      if (withTools && !sampling.tools) return 'the sampling.tools capability';
      return undefined;
    }
    case 'elicitation/create': {
      const elicitation = capabilities?.elicitation;
      if (!elicitation) return 'the elicitation capability';
      if (params.mode === 'url') {
        return elicitation.url ? undefined : 'the elicitation.url capability';
      }
      // `elicitation: {}` means form mode: so it was declared before modes existed.
      const form = elicitation.form !== undefined || elicitation.url === undefined;
      return form ? undefined : 'the elicitation.form capability';
    }
    default:
      return undefined;
  }
}
