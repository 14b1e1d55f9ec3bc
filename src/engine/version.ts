// The version shown by `sextant --version`, the extension and the store's meta table (set by esbuild's define in bundles).
declare const SEXTANT_VERSION: string | undefined;
export const VERSION: string = typeof SEXTANT_VERSION === 'string' ? SEXTANT_VERSION : '0.0.0-dev';
