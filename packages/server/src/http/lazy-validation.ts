import AjvCompiler from '@fastify/ajv-compiler';

type ValidatorFactory = AjvCompiler.BuildCompilerFromPool;
type Validate = ReturnType<ReturnType<ValidatorFactory>>;

/**
 * Fastify's own Ajv validator factory, with one difference: a route's schemas are compiled on the
 * route's first request instead of at start-up. Compiling every route's schemas up front was the
 * largest part of `gatehouse start` (about a second of its CPU). The same Ajv, the same options
 * (`ajv.customOptions`, plugins) and the same compiled functions validate every request, so the
 * answers and their errors are exactly Fastify's.
 */
export function lazyValidatorFactory(): ValidatorFactory {
  const eager = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options);
    return (route) => {
      let compiled: Validate | undefined;
      const validate = ((data: unknown) => {
        compiled ??= compile(route);
        const valid = compiled(data);
        // Fastify reads a failed validation's errors from the function it was given.
        validate.errors = compiled.errors ?? null;
        return valid;
      }) as Validate;
      return validate;
    };
  };
}
