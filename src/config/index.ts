export * from './schema.js'
export { loadConfig, parseConfig, configPath, DEFAULT_CONFIG_PATH } from './load.js'
export { mirrorFromAptSources } from './mirror.js'
export * from './net.js'
