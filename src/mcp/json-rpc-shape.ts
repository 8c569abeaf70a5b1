import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/*
 * Structural checks of JSON-RPC messages for the transports' hot path. The SDK's guards
 * (isJSONRPCRequest, ...) run a zod parse each; here the message is either already validated
 * (the door parses every incoming one with the SDK's schema) or about to be, by the SDK's
 * Protocol that receives it.
 */

export function isJsonRpcEnvelope(value: unknown): value is JSONRPCMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { jsonrpc?: unknown }).jsonrpc === '2.0'
  );
}

/** A result or an error: an id and no method. */
export function isResponse(message: JSONRPCMessage): boolean {
  return 'id' in message && !('method' in message);
}

/** A method with an id: something that will be answered. */
export function isRequest(message: JSONRPCMessage): boolean {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

/** A method without an id: fire and forget, nobody waits for an answer. */
export function isNotification(message: JSONRPCMessage): boolean {
  return 'method' in message && !('id' in message && message.id !== undefined);
}

/** The request a `notifications/cancelled` names; undefined for any other message. */
export function cancelledRequestId(message: JSONRPCMessage): RequestId | undefined {
  const m = message as { method?: unknown; id?: unknown; params?: { requestId?: unknown } };
  if (m.method !== 'notifications/cancelled' || m.id !== undefined) return undefined;
  const id = m.params?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
