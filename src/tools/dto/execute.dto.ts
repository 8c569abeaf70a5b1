import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { FreeFormObject } from '../../common/http/free-form-object.decorator.js';
import { isJsonObject, registerFastBodyCheck } from '../../common/http/gateway-validation.pipe.js';

export class ExecuteRequestDto {
  @ApiProperty({
    example: 'demo__echo',
    description: 'Namespaced name, or a bare name unique in scope',
    minLength: 1,
    maxLength: 256,
  })
  @IsString()
  @Length(1, 256)
  tool_name: string;

  @ApiPropertyOptional({
    nullable: true,
    example: { message: 'hello' },
    description: "Checked against the tool's input schema",
  })
  @FreeFormObject({ optional: true })
  args?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 30000,
    minimum: 1,
    description:
      'Per-call timeout in ms; defaults to TOOL_CALL_TIMEOUT_MS. A value above TOOL_CALL_TIMEOUT_MAX_MS ' +
      '(600000 unless configured) is accepted, not refused, and quietly capped at that maximum.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  timeout_ms?: number;
}

const EXECUTE_KEYS = new Set(['tool_name', 'args', 'timeout_ms']);
// class-validator's @Length counts a surrogate pair or a variation selector as no character
// of its own; a name with any of those (U+D800 and up) goes through class-validator.
const NOT_PLAIN_LENGTH = /[\uD800-\uFFFF]/;

/**
 * What the decorators above check, by hand, for the hot route (POST /mcp/execute): true only
 * for a body they accept as it is; anything else goes through class-validator, which words
 * the error (see FastBodyCheck).
 */
export function isPlainValidExecuteBody(body: Record<string, unknown>): boolean {
  for (const key of Object.keys(body)) if (!EXECUTE_KEYS.has(key)) return false;
  const { tool_name: name, args, timeout_ms: timeout } = body;
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    name.length <= 256 &&
    !NOT_PLAIN_LENGTH.test(name) &&
    (args === undefined || isJsonObject(args)) &&
    (timeout === undefined || (Number.isInteger(timeout) && (timeout as number) >= 1))
  );
}

registerFastBodyCheck(ExecuteRequestDto, isPlainValidExecuteBody);

/** MCP's CallToolResult, as the server sent it but for isError, which REST always states. */
export class CallToolResultDto {
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', example: 'text' } },
      additionalProperties: true,
    },
    description:
      'Content blocks as MCP defines them: text, image, audio, resource_link or resource, by `type`',
    example: [{ type: 'text', text: 'hello' }],
  })
  content: Record<string, unknown>[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'The result as JSON, when the tool declares an output schema; it follows that schema',
    example: { message: 'hello' },
  })
  structuredContent?: Record<string, unknown>;

  @ApiProperty({
    description: 'True when the tool ran and reports failure; false when the server left it out',
    example: false,
  })
  isError: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "The server's `_meta`, passed on",
  })
  _meta?: Record<string, unknown>;
}

export class ExecuteResponseDto {
  @ApiProperty({ example: 'demo__echo', description: 'The catalog name of the tool that ran' })
  tool_name: string;
  @ApiProperty({ example: 'demo' }) server: string;
  @ApiProperty({ type: CallToolResultDto, description: 'The MCP CallToolResult' })
  result: CallToolResultDto;
  @ApiProperty({ example: 1.8 }) took_ms: number;
}

/** The original gateway's `POST /tool` body. */
export class LegacyToolCallDto {
  @ApiProperty({ example: 'echo', minLength: 1, maxLength: 256 })
  @IsString()
  @Length(1, 256)
  name: string;
  @ApiPropertyOptional({ nullable: true, example: { message: 'hello' } })
  @FreeFormObject({ optional: true })
  arguments?: Record<string, unknown>;
}
