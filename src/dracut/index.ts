export { installModule } from './install.js'
export { buildInitrd, type BuiltInitrd } from './build.js'
export { verifyInitrd, type InitrdCheck } from './verify.js'
export { DRACUT_ROOT_PACKAGES } from './packages.js'
