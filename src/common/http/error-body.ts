import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** The JSON body of every 4xx/5xx answer (API.md, Errors). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
  request_id?: string;
}

export function errorBody(
  status: number,
  message: string,
  extra: { code?: string; details?: unknown; requestId?: string } = {},
): ErrorBody {
  return {
    statusCode: status,
    error: statusText(status),
    message,
    ...(extra.code ? { code: extra.code } : {}),
    ...(extra.details !== undefined ? { details: extra.details } : {}),
    request_id: extra.requestId,
  };
}

function statusText(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  // Nest's table lacks a few (431 among them); Node's has every standard status.
  if (!name) return STATUS_CODES[status] ?? 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}
