import { forgetMaster } from '../master/index.js'
import { unpublishInstance } from '../publish/index.js'
import type { DeleteHooks } from './delete.js'

export const deleteHooks: DeleteHooks = {
  unpublish: (ctx, name) => unpublishInstance(ctx, name),
  forgetMaster: (ctx, name) => forgetMaster(ctx, name),
}
