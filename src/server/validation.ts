// Path and query parameters are validated by Ajv, coerced from text ("limit=10"). Body schemas
// document the wire format only: bodies are validated after authentication by the domain's
// parsers, which name the failing field in words an operator understands.
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const coercing = new Ajv({ allErrors: false, strict: false, useDefaults: true, coerceTypes: 'array', removeAdditional: false });

/** Query text that is a plain decimal integer: Ajv's coercion alone would take " ", "0x5" and "1e1". */
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return (data: unknown) => ({ value: data });
  const validate = coercing.compile(schema as object);
  const props = (schema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  const integers = httpPart === 'querystring' ? Object.keys(props).filter((k) => props[k].type === 'integer') : [];
  return (data: unknown) => {
    for (const name of integers) {
      const v = (data as Record<string, unknown>)[name];
      if (v !== undefined && !(typeof v === 'string' && DECIMAL.test(v))) {
        const error = [{ keyword: 'type', instancePath: `/${name}`, schemaPath: '', params: {}, message: 'must be integer' }];
        return { error: error as unknown as Error };
      }
    }
    return validate(data) ? { value: data } : { error: validate.errors as unknown as Error };
  };
};

/** The query of a route that documents none: any parameter is refused, never silently ignored. */
export const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

/** Human descriptions of parameter rules, so an error names the parameter and the expectation. */
const PARAM_RULES: Record<string, string> = {
  project_id: 'must be 32 lowercase hexadecimal characters',
  desktop_id: "must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'",
  limit: 'must be an integer from 0 to 1000',
  offset: 'must be a non-negative integer',
};

/** The error_msg for a path or query parameter that breaks its rule. */
export const invalidParameterMessage = (name: string) => `Invalid parameter ${name}: ${PARAM_RULES[name] ?? 'is invalid'}.`;

/** One error_msg for the first failing rule; context is Fastify's httpPart. */
export function describeValidationError(errors: ErrorObject[], context: string): string {
  const e = errors[0];
  if (!e) return 'the request is invalid';
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (context === 'params' || context === 'querystring' || context === 'headers') {
    const name = path || (e.params as { missingProperty?: string }).missingProperty || 'parameter';
    if (e.keyword === 'additionalProperties') return `Unknown query parameter ${(e.params as { additionalProperty: string }).additionalProperty}.`;
    return `Invalid parameter ${name}: ${PARAM_RULES[name] ?? e.message}.`;
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `Invalid field ${path ? path + '.' : ''}${extra}: unknown field.`;
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return `Invalid field ${path ? path + '.' : ''}${missing}: it is required.`;
  }
  return path ? `Invalid field ${path}: ${e.message}.` : `Invalid body: ${e.message}.`;
}
