/** The TFTP tree: kernels, initrds, boot loaders, menus and the masters' per-MAC files. */
export { publish, unpublishInstance, type PublishOptions, type PublishSummary } from './publish.js'
