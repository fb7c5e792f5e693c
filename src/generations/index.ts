/** Generations of a root: stage a copy, promote it, roll back, list and prune the kept ones. */
export { stageInstance, discardStage, requireStage, type StageResult } from './stage.js'
export { promote, rollback, type PromoteResult } from './promote.js'
export { listGenerations, type GenerationInfo, type GenerationsView } from './list.js'
export { pruneGenerations, type PruneResult } from './prune.js'
export { generationsInUse } from './in-use.js'
export { SWAP_STEPS, completeInterruptedSwap } from './swap.js'
