import type {
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import { PNG_BASE64 } from './media.js';

export const RESOURCES: Resource[] = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static PNG',
    mimeType: 'image/png',
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource to subscribe to',
    mimeType: 'text/plain',
  },
];

export const TEMPLATES: ResourceTemplate[] = [
  {
    uriTemplate: 'test://template/{id}/data',
    name: 'template',
    description: 'A resource template with an id parameter',
    mimeType: 'application/json',
  },
];

const TEMPLATE_PATTERN = /^test:\/\/template\/([^/]+)\/data$/;

/** The contents of a URI, or undefined when there is no such resource. */
export function readResource(uri: string): ReadResourceResult | undefined {
  switch (uri) {
    case 'test://static-text':
      return {
        contents: [
          { uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
        ],
      };
    case 'test://static-binary':
      return { contents: [{ uri, mimeType: 'image/png', blob: PNG_BASE64 }] };
    case 'test://watched-resource':
      return { contents: [{ uri, mimeType: 'text/plain', text: 'Watched resource content' }] };
  }
  const id = TEMPLATE_PATTERN.exec(uri)?.[1];
  if (id === undefined) return undefined;
  return {
    contents: [
      {
        uri,
        mimeType: 'application/json',
        text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      },
    ],
  };
}
