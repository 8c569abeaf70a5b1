import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { HTTP_METHODS } from '../common/http/openapi-errors.js';
import { NOT_RATE_LIMITED, PUBLIC_ROUTE } from './auth.decorators.js';

/**
 * `<method> <OpenAPI path>` of every route marked @Public(), read from the same metadata the
 * API key guard reads, so the document cannot drift from what the guard lets through.
 */
export function publicOperations(app: INestApplication): Set<string> {
  return markedOperations(app, PUBLIC_ROUTE);
}

/** The same for @NotRateLimited(), the metadata the rate-limit guard reads. */
export function notRateLimitedOperations(app: INestApplication): Set<string> {
  return markedOperations(app, NOT_RATE_LIMITED);
}

function markedOperations(app: INestApplication, mark: string): Set<string> {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const found = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        if (!reflector.getAllAndOverride<boolean>(mark, [handler, controller])) continue;
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const own of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
            const verbs =
              method === RequestMethod.ALL ? HTTP_METHODS : [RequestMethod[method].toLowerCase()];
            for (const verb of verbs) found.add(`${verb} ${openApiPath(base, own)}`);
          }
        }
      }
    }
  }
  return found;
}

const paths = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : [typeof value === 'string' ? value : ''];

/** `health` + `live` -> `/health/live`; `:id` -> `{id}`, as the document spells paths. */
function openApiPath(...parts: string[]): string {
  const segments = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment));
  return `/${segments.join('/')}`;
}
