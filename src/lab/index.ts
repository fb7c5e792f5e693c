/** The lab: boot a real QEMU client from sidus in a private network namespace. */
export { labUp, labDown, type LabUpResult, type LabDownResult } from './lab.js'
export { labBoot, DEFAULT_BOOT_TIMEOUT, type LabBootResult } from './boot.js'
export { labDemo, type LabDemoResult } from './demo.js'
export { labRun, type LabRunResult } from './run.js'
export { renderBootResult } from './report.js'
