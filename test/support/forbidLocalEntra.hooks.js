// Module resolution hooks (node:module register): any resolution of the local-entra package throws.
const FORBIDDEN = /(^local-entra($|\/))|\/packages\/local-entra\//;

export async function resolve(specifier, context, nextResolve) {
  if (FORBIDDEN.test(specifier)) throw new Error(`local-entra must not load in production (${specifier})`);
  const resolved = await nextResolve(specifier, context);
  if (FORBIDDEN.test(resolved.url))
    throw new Error(`local-entra must not load in production (${resolved.url})`);
  return resolved;
}
