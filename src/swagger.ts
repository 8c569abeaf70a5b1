import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setUpSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('MCP Gateway')
    .setDescription(
      'One namespaced catalog of the tools of many MCP servers, with execution, sessions and health. ' +
        'Every error body is {statusCode, error, message, code?, details?, request_id}.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from GATEWAY_API_KEYS',
    })
    .addSecurityRequirements('bearer')
    .build();
  // A factory: the document is built (once) on the first visit to /docs or /docs-json, not
  // during start-up, whose readiness would otherwise wait for the metadata scan.
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
  });
}
