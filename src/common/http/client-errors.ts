import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors/error-code.js';
import { logRefusedRequest } from '../logging/access-log.js';
import { errorBody } from './error-body.js';

/** What Node's own handler answers for each parser error; anything else is a 400. */
const ANSWERS: Record<string, [number, string, ErrorCode]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request headers are too large', ErrorCode.INVALID_REQUEST],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    413,
    'Chunk extensions are too large',
    ErrorCode.PAYLOAD_TOO_LARGE,
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive', ErrorCode.INVALID_REQUEST],
};
const MALFORMED: [number, string, ErrorCode] = [
  400,
  'Malformed HTTP request (request line, headers or framing)',
  ErrorCode.INVALID_REQUEST,
];

/**
 * Requests that HTTP parsing refuses (headers over the size limit, a bad Content-Length,
 * a malformed header line) never reach Express; Node then writes a bare status line with no
 * body. Answer them in the error shape of every other route instead (API.md, Errors), with
 * the same statuses Node would use. The path is not known yet, so no JSON-RPC form.
 */
export function answerClientErrorsInJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Like Node's default: answer only when nothing of a response has been written yet.
    const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
    if (error.code === 'ECONNRESET' || !socket.writable || written > 0) {
      socket.destroy(error);
      return;
    }
    const [status, message, code] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const requestId = randomUUID();
    logRefusedRequest(status, error.code ?? 'malformed', requestId);
    const body = errorBody(status, message, { code, requestId });
    const text = JSON.stringify(body);
    // end(), not write() + destroy(): the answer must leave before the socket closes.
    socket.end(
      `HTTP/1.1 ${status} ${body.error}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        `X-Request-ID: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        text,
    );
  });
}
