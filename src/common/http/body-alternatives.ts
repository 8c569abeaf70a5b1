import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';

type Keyword = 'oneOf' | 'anyOf';

/** Body classes (by schema name, the class name) whose optional fields are alternatives. */
const ALTERNATIVES = new Map<string, { keyword: Keyword; fields: string[] }>();

const register =
  (keyword: Keyword, fields: string[]): ClassDecorator =>
  (target) => {
    ALTERNATIVES.set(target.name, { keyword, fields });
  };

/**
 * The body must carry exactly one of these optional fields, not null (the service refuses
 * none and both): class-validator checks fields one by one, so the rule lives in the service
 * and this only puts it in the OpenAPI document.
 */
export const ExactlyOneOf = (...fields: string[]): ClassDecorator => register('oneOf', fields);

/** The body must carry at least one of these optional fields, not null. */
export const AtLeastOneOf = (...fields: string[]): ClassDecorator => register('anyOf', fields);

/**
 * Writes the registered alternatives into the document's schemas. Each alternative requires
 * its field with the field's own type and without `nullable`, since a null field counts as
 * absent: `{"config": null, "config_data": "..."}` matches the config_data branch only.
 */
export function withBodyAlternatives(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  for (const [name, { keyword, fields }] of ALTERNATIVES) {
    const schema = schemas[name] as SchemaObject | undefined;
    if (!schema) continue;
    schema[keyword] = fields.map((field) => {
      const own = schema.properties?.[field] as SchemaObject | undefined;
      return {
        required: [field],
        properties: { [field]: own?.type ? { type: own.type } : {} },
      };
    });
  }
  return document;
}
