import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { AtLeastOneOf, ExactlyOneOf } from '../../common/http/body-alternatives.js';
import { FreeFormObject } from '../../common/http/free-form-object.decorator.js';

/**
 * What Swagger UI's "Try it out" sends as it stands: the README's remote demo server
 * (`npm run demo-server -- --http 3001`). A stdio example would be refused by default
 * (STDIO_NOT_ALLOWED), and an example on both body forms would be a 400 for giving two.
 */
const EXAMPLE_CONFIG = { mcpServers: { remote: { url: 'http://127.0.0.1:3001/mcp' } } };
/** The body "Try it out" prefills: the object form only (both forms at once are a 400). */
export const ADD_SERVERS_EXAMPLES = {
  object: { summary: 'The config as an object', value: { config: EXAMPLE_CONFIG } },
  text: {
    summary: "The config as JSON text (the original gateway's form)",
    value: { config_data: JSON.stringify(EXAMPLE_CONFIG) },
  },
};
const EXAMPLE_HINT =
  'The example adds the demo server started by `npm run demo-server -- --http 3001`.';

/** Exactly one of the two forms; both, or neither, is a 400. */
@ApiSchema({ description: 'Exactly one of `config` and `config_data`' })
@ExactlyOneOf('config', 'config_data')
export class AddServersRequestDto {
  @ApiPropertyOptional({
    description:
      "The servers config as JSON text (the original gateway's form), e.g. " +
      JSON.stringify(JSON.stringify(EXAMPLE_CONFIG)),
    nullable: true,
    minLength: 2,
    maxLength: 1_000_000,
  })
  @IsOptional()
  @IsString()
  @Length(2, 1_000_000)
  config_data?: string;

  @ApiPropertyOptional({
    description: `The servers config as an object: {"mcpServers": {name: spec}}. ${EXAMPLE_HINT}`,
    nullable: true,
    example: EXAMPLE_CONFIG,
  })
  @FreeFormObject({ optional: true })
  config?: Record<string, unknown>;
}

/** The original gateway's `POST /add-server` body: the config object itself. */
export class LegacyAddServerDto {
  @ApiProperty({ example: EXAMPLE_CONFIG.mcpServers, description: EXAMPLE_HINT })
  @FreeFormObject()
  mcpServers: Record<string, unknown>;
}

@ApiSchema({
  description:
    'Name the server by `server_uuid` or `server_name`. Both may be given when they name the same ' +
    'server (a guard against removing a newer server of the name): a uuid that names no server ' +
    'is a 404 SERVER_NOT_FOUND and nothing is removed, two different servers a 400.',
})
@AtLeastOneOf('server_uuid', 'server_name')
export class RemoveServerRequestDto {
  // No example: a made-up uuid next to a real name would be a 404 in "Try it out".
  @ApiPropertyOptional({
    nullable: true,
    description: 'e.g. 5f1c7c52-8f53-4a53-9d2c-6f3a9f1e2b7a, as GET /mcp/servers gives it',
    minLength: 1,
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  server_uuid?: string;

  @ApiPropertyOptional({ nullable: true, example: 'remote', minLength: 1, maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  server_name?: string;
}

export class SkippedToolDto {
  @ApiProperty({
    example: 'search',
    description: 'The tool\'s name, or "#<position>" in the listing when it has none',
  })
  tool: string;
  @ApiProperty({ example: 'inputSchema: Invalid input: expected object, received undefined' })
  reason: string;
}

export class ServerDto {
  @ApiProperty({ example: '5f1c7c52-8f53-4a53-9d2c-6f3a9f1e2b7a' }) uuid: string;
  @ApiProperty({ example: 'demo' }) name: string;
  @ApiProperty({
    example: 'stdio',
    enum: ['stdio', 'streamable-http', 'sse'],
    description:
      'The transport in use, or set by the spec; for a url server without one that has not connected yet, streamable-http, the one tried first (then SSE)',
  })
  transport: string;
  @ApiProperty({
    example: true,
    description:
      'False while `transport` is only the one to be tried first: a url server whose spec names no transport, not connected yet',
  })
  transport_negotiated: boolean;
  @ApiProperty({ example: 'connected', enum: ['connecting', 'connected', 'failed', 'closed'] })
  status: string;
  @ApiProperty({ example: 'config', enum: ['config', 'api'] }) source: string;
  @ApiProperty({ example: ['demo__time', 'demo__calculator', 'demo__echo'] }) tools: string[];
  @ApiProperty({ type: 'integer', example: 3 }) tool_count: number;
  @ApiPropertyOptional({
    example: ['demo__echo'],
    description:
      'Tools held back by tool pinning: their definition changed since it was pinned (GET /mcp/tools/quarantined); absent when none',
  })
  quarantined_tools?: string[];
  @ApiPropertyOptional({ example: "failed to start 'nope': spawn nope ENOENT" }) error?: string;
  @ApiPropertyOptional({
    type: [SkippedToolDto],
    description:
      'Tools the server listed with an invalid definition, or under a name listed before, left out of the catalog; absent when none',
  })
  skipped_tools?: SkippedToolDto[];
  @ApiProperty({
    description: 'The spec with env and header values replaced by "[redacted]"',
    example: {
      command: 'node',
      args: ['dist/mcp_servers/demo-server.js'],
      env: { API_KEY: '[redacted]' },
    },
  })
  config: Record<string, unknown>;
}

export class ServerListDto {
  @ApiProperty({ type: [ServerDto] }) servers: ServerDto[];
}

export class AddedServerDto {
  @ApiProperty() uuid: string;
  @ApiProperty({ example: 'remote' }) name: string;
  @ApiProperty({ example: 'connected' }) status: string;
  @ApiProperty({ example: ['remote__time', 'remote__calculator', 'remote__echo'] }) tools: string[];
  @ApiPropertyOptional({
    example: ['remote__echo'],
    description:
      'Tools held back by tool pinning, not in `tools`: their definition changed since it was pinned (GET /mcp/tools/quarantined); absent when none',
  })
  quarantined_tools?: string[];
}

export class FailedServerDto {
  @ApiProperty({ example: 'broken' }) name: string;
  @ApiProperty({ example: "failed to start 'nope': spawn nope ENOENT" }) error: string;
}

export class AddServersResponseDto {
  @ApiProperty({ type: [AddedServerDto] }) added: AddedServerDto[];
  @ApiProperty({ type: [FailedServerDto] }) failed: FailedServerDto[];
}

export class RemovedServerDto {
  @ApiProperty() uuid: string;
  @ApiProperty({ example: 'remote' }) name: string;
}

export class RemoveServerResponseDto {
  @ApiProperty({ type: RemovedServerDto }) removed: RemovedServerDto;
}
