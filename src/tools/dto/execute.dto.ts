import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { FreeFormObject } from '../../common/http/free-form-object.decorator.js';
import { isJsonObject, registerFastBodyCheck } from '../../common/http/gateway-validation.pipe.js';

export class ExecuteRequestDto {
  @ApiProperty({
    example: 'demo__echo',
    description: 'Namespaced name, or a bare name unique in scope',
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

export class ExecuteResponseDto {
  @ApiProperty({ example: 'demo__echo' }) tool_name: string;
  @ApiProperty({ example: 'demo' }) server: string;
  @ApiProperty({
    description:
      'The MCP CallToolResult as the server sent it: content, structuredContent?, and isError (false when the server left it out)',
    example: { content: [{ type: 'text', text: 'hello' }], isError: false },
  })
  result: Record<string, unknown>;
  @ApiProperty({ example: 1.8 }) took_ms: number;
}

/** The original gateway's `POST /tool` body. */
export class LegacyToolCallDto {
  @ApiProperty({ example: 'echo' }) @IsString() @Length(1, 256) name: string;
  @ApiPropertyOptional({ nullable: true, example: { message: 'hello' } })
  @FreeFormObject({ optional: true })
  arguments?: Record<string, unknown>;
}
