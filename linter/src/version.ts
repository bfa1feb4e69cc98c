/** normlint's version (from package.json). */
import pkg from '../../package.json';

export const VERSION: string = pkg.version;
