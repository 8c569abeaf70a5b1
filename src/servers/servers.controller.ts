import { RequireScopes } from '../auth/auth.decorators.js';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiScoped } from '../common/http/api-scope.decorator.js';
import { ErrorDto } from '../common/http/error.dto.js';
import { SessionId } from '../common/http/session-id.decorator.js';
import {
  ADD_SERVERS_EXAMPLES,
  AddServersRequestDto,
  AddServersResponseDto,
  RemoveServerRequestDto,
  RemoveServerResponseDto,
  ServerListDto,
} from './dto/servers.dto.js';
import { ServersService } from './servers.service.js';
import { ApiAddServerErrors } from './api-add-server-errors.decorator.js';

@ApiTags('servers')
@ApiScoped()
@Controller('mcp/servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Get()
  @RequireScopes('tools:read', 'servers:admin')
  @ApiOperation({
    operationId: 'listServers',
    summary: 'Servers in scope with status, tools and redacted config',
  })
  @ApiOkResponse({ description: 'The servers in scope', type: ServerListDto })
  async list(@SessionId() sessionId?: string): Promise<ServerListDto> {
    return { servers: await this.servers.list(sessionId) };
  }

  @Post('add')
  @RequireScopes('servers:admin')
  @ApiOperation({
    operationId: 'addServers',
    summary: 'Connect servers given as {"mcpServers": {...}}; each is reported added or failed',
  })
  @ApiBody({ type: AddServersRequestDto, examples: ADD_SERVERS_EXAMPLES })
  @ApiCreatedResponse({
    description: 'Each server added or failed (a failed one is not kept)',
    type: AddServersResponseDto,
  })
  @ApiAddServerErrors()
  add(
    @Body() body: AddServersRequestDto,
    @SessionId() sessionId?: string,
  ): Promise<AddServersResponseDto> {
    return this.servers.addFromRequest(body, sessionId);
  }

  @Post('remove')
  @RequireScopes('servers:admin')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'removeServer',
    summary: 'Disconnect a server and end its process tree',
  })
  @ApiOkResponse({
    description: 'Removed; its process tree is gone',
    type: RemoveServerResponseDto,
  })
  @ApiResponse({
    status: 400,
    description:
      'Neither server_uuid nor server_name, or the two naming different servers (INVALID_REQUEST)',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 404,
    description:
      'No such server in scope, or a server_uuid that names none beside a server_name (SERVER_NOT_FOUND)',
    type: ErrorDto,
  })
  async remove(
    @Body() body: RemoveServerRequestDto,
    @SessionId() sessionId?: string,
  ): Promise<RemoveServerResponseDto> {
    return {
      removed: await this.servers.remove(
        { uuid: body.server_uuid, name: body.server_name },
        sessionId,
      ),
    };
  }
}
