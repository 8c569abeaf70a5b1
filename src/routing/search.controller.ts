import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/auth.decorators.js';
import { ApiScoped } from '../common/http/api-scope.decorator.js';
import { ErrorDto } from '../common/http/error.dto.js';
import { SessionId } from '../common/http/session-id.decorator.js';
import { SearchRequestDto, SearchResponseDto } from './dto/search.dto.js';
import { ToolSearch, type SearchResponse } from './tool-search.js';

@ApiTags('tools')
@ApiScoped()
@Controller('mcp')
export class SearchController {
  constructor(private readonly search: ToolSearch) {}

  @Post('search')
  // Searching reads the catalog, as GET /mcp/tools does.
  @RequireScopes('tools:read')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'searchTools',
    summary: 'Find the tools in scope that fit a need described in plain words, best first',
  })
  @ApiOkResponse({ description: 'The best matches, best first', type: SearchResponseDto })
  @ApiResponse({
    status: 400,
    description: 'Invalid body: blank or too long query, limit outside 1..50, unknown field',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 404,
    description:
      'A name in `servers` that no server of the scope has (SERVER_NOT_FOUND), or an unknown session (SESSION_NOT_FOUND)',
    type: ErrorDto,
  })
  find(@Body() body: SearchRequestDto, @SessionId() sessionId?: string): Promise<SearchResponse> {
    return this.search.search(
      { query: body.query, limit: body.limit, servers: body.servers },
      sessionId,
    );
  }
}
