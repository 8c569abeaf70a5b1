import { Module } from '@nestjs/common';
import { SdkUpstreamClientFactory } from './sdk-upstream-client.factory.js';
import { UpstreamClientFactory } from './upstream-client.js';

/** The MCP SDK lives behind this module; others inject the UpstreamClientFactory port. */
@Module({
  providers: [{ provide: UpstreamClientFactory, useClass: SdkUpstreamClientFactory }],
  exports: [UpstreamClientFactory],
})
export class McpModule {}
