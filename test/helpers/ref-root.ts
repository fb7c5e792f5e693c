import { execa } from 'execa'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { kernelPackage, resolveProfile } from '../../src/bootstrap/profiles.js'
import { mirrorFromAptSources } from '../../src/config/mirror.js'
import { DRACUT_ROOT_PACKAGES } from '../../src/dracut/packages.js'

/**
 * A real Debian bookworm amd64 root as `sidus create --profile minimal` bootstraps it,
 * but without our dracut module (tests install it themselves), with the stock initrd
 * the kernel's postinst builds. Tests copy it and never change it.
 * Built once per machine with mmdebstrap from the server's mirror through the shared
 * package cache; SIDUS_TEST_REF_ROOT names an existing one instead.
 */
export const REF_ROOT = process.env.SIDUS_TEST_REF_ROOT ?? '/var/tmp/sidus-ref-root'
export const APT_CACHE = process.env.SIDUS_TEST_APT_CACHE ?? '/var/cache/sidus/apt/bookworm-amd64'

export async function ensureRefRoot(): Promise<string> {
  if (existsSync(`${REF_ROOT}/boot`) && readdirSync(`${REF_ROOT}/boot`).some((f) => f.startsWith('vmlinuz-'))) return REF_ROOT
  mkdirSync(APT_CACHE, { recursive: true })
  const packages = [...new Set([kernelPackage('amd64'), ...DRACUT_ROOT_PACKAGES, ...resolveProfile('minimal').packages, 'busybox'])]
  const stage = `${REF_ROOT}.building-${process.pid}`
  // flock: two test processes asking at once build it once
  await execa('flock', [`${REF_ROOT}.lock`, 'sh', '-c', 'ref=$1 stage=$2; shift 2; [ -d "$ref/boot" ] && exit 0; rm -rf --one-file-system "$stage"; mkdir -p "$stage" && "$@" && mv -T "$stage" "$ref"', 'build',
    REF_ROOT, stage,
    'unshare', '--mount', '--propagation', 'private', '--',
    'mmdebstrap', '--mode=root', '--variant=minbase', `--include=${packages.join(',')}`, '--skip=download/empty',
    '--setup-hook=mkdir -p "$1/var/cache/apt/archives" && mount --bind "$SIDUS_APT_CACHE" "$1/var/cache/apt/archives"',
    '--customize-hook=umount "$1/var/cache/apt/archives"',
    'bookworm', stage, mirrorFromAptSources(),
  ], { env: { SIDUS_APT_CACHE: APT_CACHE }, stdio: 'inherit', timeout: 1_500_000 })
  return REF_ROOT
}
