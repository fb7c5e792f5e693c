import { Flags } from '@oclif/core'

/** The boot settings a node (or its group) carries, as flags of node add and node set. */
export const nodeFlags = {
  instance: Flags.string({ description: 'the instance it boots (default: its group\'s, else the default menu)' }),
  mode: Flags.string({ description: 'boot mode: overlay, aufs, or rw (the instance\'s one read-write machine)', options: ['overlay', 'aufs', 'rw'] }),
  'extra-args': Flags.string({ description: 'extra kernel arguments for this node' }),
  'tmpfs-size': Flags.string({ description: 'size of its tmpfs writable layer, e.g. 50% or 2G' }),
}
