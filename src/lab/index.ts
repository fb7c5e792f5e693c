/** The lab: boot a real QEMU client from sidus in a private network namespace. */
export { labUp, labDown, runningLab, LAB_PROGRAMS, type LabUpResult, type LabDownResult } from './lab.js'
export { labBoot, checkArgs, DEFAULT_BOOT_TIMEOUT, type LabBootOptions, type LabBootResult } from './boot.js'
export { labDemo, type LabDemoOptions, type LabDemoResult } from './demo.js'
export { labPlan, labConfig, labMasters, type LabPlan } from './plan.js'
export { evaluateChecks, leaseOf, tftpSent, type LabCheck } from './checks.js'
export { ConsoleWatcher, parseProbe, consoleTail, MILESTONES, type Timings, type ProbeReport } from './console.js'
export { qemuArgv, DEFAULT_CLIENT_MAC } from './qemu.js'
export { renderBootResult } from './report.js'
