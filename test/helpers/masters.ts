import YAML from 'yaml'
import type { SidusConfig } from '../../src/config/schema.js'
import { writeFileAtomic } from '../../src/state/atomic.js'
import { mastersFile } from '../../src/state/layout.js'
import type { MasterRegistry } from '../../src/state/masters.js'

/** masters.yaml as an older sidus wrote it (read as masters until the next write moves it into nodes.yaml). */
export async function writeLegacyMasters(config: SidusConfig, masters: MasterRegistry): Promise<void> {
  await writeFileAtomic(mastersFile(config), YAML.stringify({ masters }), 0o644)
}
