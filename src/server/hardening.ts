import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLLimits } from '../config.js';
import { queryLimitsRule } from './query-cost.js';
import { requestIdOf } from './request-id.js';

/** "Did you mean …?" describes the schema; with introspection off it must not be told. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .*\?$/, '');
}

/** Validation-time limits: depth, fan-out complexity, aliases, and introspection when off. */
export function useQueryLimits(limits: GraphQLLimits): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(queryLimitsRule(limits));
      if (!limits.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ result, setResult }) => {
        // "Did you mean …?" would describe the schema that introspection is hiding.
        if (limits.introspection || result.length === 0) return;
        for (const error of result) error.message = withoutSuggestions(error.message);
        setResult([...result]);
      };
    },
  };
}

const SIMPLE_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
export const CSRF_HEADER = 'x-graphql-csrf';

/**
 * A browser can send a cross-site "simple" request (a GET, or a POST with a form-like
 * content type) without a CORS preflight. GraphQL is only executed for requests that
 * could not have been sent that way: a JSON content type, or a custom header that
 * forces a preflight. GraphiQL's page itself (a plain GET for HTML) is still served.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method === 'GET' && !url.searchParams.has('query')) return; // the GraphiQL page
      if (request.headers.has(CSRF_HEADER)) return;
      const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (request.method === 'POST' && contentType !== '' && !SIMPLE_CONTENT_TYPES.includes(contentType)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `This request could have been sent cross-site by a browser. Send a JSON POST (content-type: application/json) or add the "${CSRF_HEADER}" header.`,
                extensions: { code: 'CSRF_PREVENTED', requestId: requestIdOf(request) },
              },
            ],
          }),
          { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
  };
}
