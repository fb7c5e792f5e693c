/** The TFTP tree: kernels, initrds, boot loaders, menus and the masters' per-MAC files. */
export { publish, unpublishInstance, type PublishSummary } from './publish.js'
