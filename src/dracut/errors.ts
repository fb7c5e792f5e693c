import { SidusError } from '../errors.js'

/** A package the root needs is missing (EX_UNAVAILABLE, like a missing host package). */
export class RootPackageError extends SidusError { override readonly exitCode = 69 }
