/** The TFTP tree: kernels, initrds, boot loaders, menus and the masters' per-MAC files. */
export { publish, unpublishInstance, type PublishOptions, type PublishSummary } from './publish.js'
export { kernelCommandLine, nfsMountOptions, splitKernelArgs, PXELINUX_CMDLINE_MAX, type CommandLineOptions } from './cmdline.js'
export {
  BIOS_LOADER, EFI32_LOADER, EFI64_LOADER, EFI_DIRS, GRUB_MENU, GRUB_NET_LOADER, IPXE_BIOS_LOADER, IPXE_EFI_LOADER, IPXE_SCRIPT,
  IPXE_SNP_LOADER, PXELINUX_MENU, SECURE_BOOT_LOADER, initrdFile, kernelFile, masterFiles, parseBootFile,
} from './tree.js'
export { LOADER_FILES, type LoaderFile } from './loaders.js'
