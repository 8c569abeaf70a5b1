import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isJsonRpcEnvelope, isResponse } from './json-rpc-shape.js';

export interface SseReadOutcome {
  /** The id of the last event that carried one: where a resumed stream starts again. */
  lastEventId?: string;
  /** Whether a JSON-RPC response (result or error) arrived on the stream. */
  sawResponse: boolean;
}

/**
 * Reads an SSE body (a Node stream of bytes) and hands each `message` event's JSON-RPC
 * message on as it arrives, in order. A plain string parser over the chunks: web streams
 * (TextDecoderStream piped into a parser stream), as the SDK does it, cost several times
 * more CPU per event on the hot path.
 */
export async function readSseMessages(
  body: AsyncIterable<Buffer>,
  onMessage: (message: JSONRPCMessage) => void,
  onError: (error: Error) => void,
  onRetry?: (ms: number) => void,
  /** Past this many bytes with no complete event, the read fails: one event cannot fill memory. */
  maxEventBytes = Number.POSITIVE_INFINITY,
): Promise<SseReadOutcome> {
  const outcome: SseReadOutcome = { sawResponse: false };
  const events: EventSourceMessage[] = [];
  let sinceEvent = 0;
  const parser = createParser({
    onEvent: (event) => {
      sinceEvent = 0;
      events.push(event);
    },
    onRetry,
  });
  // The SDK's Protocol runs notification handlers a microtask later but settles a response at
  // once (dropping the call's progress handler), so a response that follows other messages
  // waits for one turn of the event loop: their handlers run first, as they were sent.
  let handlersPending = false;
  const deliver = async (): Promise<void> => {
    for (const event of events.splice(0)) {
      if (event.id) outcome.lastEventId = event.id;
      if (!event.data || (event.event && event.event !== 'message')) continue;
      const message = parseMessage(event.data, onError);
      if (!message) continue;
      const answer = isResponse(message);
      if (answer && handlersPending) await new Promise((next) => setImmediate(next));
      handlersPending = !answer;
      if (answer) outcome.sawResponse = true;
      onMessage(message);
    }
  };
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    sinceEvent += chunk.length;
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (sinceEvent > maxEventBytes) {
      throw new Error(`the server sent an event larger than ${maxEventBytes} bytes`);
    }
    await deliver();
  }
  parser.feed(decoder.decode());
  await deliver();
  return outcome;
}

/**
 * One JSON-RPC message from JSON text, or undefined (reported) when it is not one. Only the
 * envelope is checked here: the SDK's Protocol validates each message kind it dispatches.
 */
function parseMessage(text: string, onError: (error: Error) => void): JSONRPCMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    onError(new Error(`upstream sent an event that is not JSON: ${text.slice(0, 200)}`));
    return undefined;
  }
  if (!isJsonRpcEnvelope(value)) {
    onError(new Error(`upstream sent JSON that is not JSON-RPC 2.0: ${text.slice(0, 200)}`));
    return undefined;
  }
  return value;
}
