import { RequireScopes } from '../auth/auth.decorators.js';
import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { ErrorDto } from '../common/http/error.dto.js';
import {
  CreatedSessionDto,
  CreateSessionRequestDto,
  DeletedSessionDto,
  SessionDto,
  SessionListDto,
} from './dto/sessions.dto.js';
import { SessionViews } from './session-views.js';
import { SessionsService } from './sessions.service.js';

/**
 * `/sessions/create` is the create route's path, so a GET or DELETE there is a wrong method,
 * not a lookup of a session called 'create' (session ids are `sess_…`).
 */
function refuseCreatePath(id: string, method: string): void {
  if (id !== 'create') return;
  throw new GatewayError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `${method} is not allowed on /sessions/create; it answers POST`,
    { allowed: ['POST'] },
  );
}

@ApiTags('sessions')
@RequireScopes('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly views: SessionViews,
  ) {}

  @Post('create')
  @ApiOperation({
    operationId: 'createSession',
    summary: "A session with its own connections to the servers file's servers",
  })
  @ApiCreatedResponse({
    description: 'The new session, with the servers of the servers file',
    type: CreatedSessionDto,
  })
  @ApiResponse({
    status: 400,
    description:
      'metadata is not an object or is over SESSION_METADATA_MAX_BYTES, or an unknown field (INVALID_REQUEST)',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 429,
    description: "SESSION_MAX, or the key's SESSION_MAX_PER_KEY, reached (SESSION_LIMIT)",
    type: ErrorDto,
  })
  async create(@Body() body: CreateSessionRequestDto): Promise<CreatedSessionDto> {
    return this.views.created(await this.sessions.create(body.metadata));
  }

  @Get()
  @ApiOperation({
    operationId: 'listSessions',
    summary: 'Live sessions, across replicas when Redis is configured',
  })
  @ApiOkResponse({ description: 'The sessions this key may see', type: SessionListDto })
  async list(): Promise<SessionListDto> {
    return { sessions: this.views.summaries(await this.sessions.list()) };
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getSession',
    summary: 'A session with its servers and tools (counts as use)',
  })
  @ApiOkResponse({ description: 'The session, its servers and tools', type: SessionDto })
  @ApiResponse({
    status: 404,
    description: 'Unknown or expired (SESSION_NOT_FOUND)',
    type: ErrorDto,
  })
  get(@Param('id') id: string): Promise<SessionDto> {
    refuseCreatePath(id, 'GET');
    return this.views.detail(id);
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'deleteSession',
    summary: 'Ends the session; its connections and processes are gone when it answers',
  })
  @ApiOkResponse({
    description: 'Deleted; its connections and processes are gone',
    type: DeletedSessionDto,
  })
  @ApiResponse({
    status: 404,
    description: 'Unknown or expired (SESSION_NOT_FOUND)',
    type: ErrorDto,
  })
  async delete(@Param('id') id: string): Promise<DeletedSessionDto> {
    refuseCreatePath(id, 'DELETE');
    await this.sessions.delete(id);
    return { deleted: id };
  }
}
