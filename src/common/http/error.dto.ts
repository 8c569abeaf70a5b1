import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDto {
  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status, repeated' })
  statusCode: number;
  @ApiProperty({ example: 'Not Found' }) error: string;
  @ApiProperty({ example: "Tool 'demo__nope' not found in this scope (GET /mcp/tools lists them)" })
  message: string;
  @ApiPropertyOptional({ example: 'TOOL_NOT_FOUND', description: 'Stable machine-readable code' })
  code?: string;
  @ApiPropertyOptional({
    description:
      'Structured detail: a list of messages (validation, schema errors) or an object (candidates, unknown names)',
    oneOf: [
      { type: 'array', items: { type: 'string' } },
      { type: 'object', additionalProperties: true },
    ],
  })
  details?: unknown;
  @ApiProperty({
    example: '3b0c5e8e-3c0a-4f5e-9a43-2b1f0c3f8f65',
    description: 'Also in the X-Request-ID header',
  })
  request_id: string;
}
