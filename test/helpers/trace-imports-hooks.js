// The module hooks test/helpers/trace-imports.js registers: each resolved URL, one a line.
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  if (process.env.SIDUS_TEST_TRACE) appendFileSync(process.env.SIDUS_TEST_TRACE, `${resolved.url}\n`)
  return resolved
}
