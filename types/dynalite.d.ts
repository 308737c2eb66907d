// dynalite 4 ships no type definitions: the part of its API certwatch uses (see its index.js JSDoc).
declare module 'dynalite' {
  import type { Server as HttpServer } from 'node:http';
  import type { Server as HttpsServer } from 'node:https';

  namespace dynalite {
    interface Options {
      /** Directory of the LevelDB store. @default in memory */
      path?: string;
      /** Time tables stay CREATING. @default 500 */
      createTableMs?: number;
      /** Time tables stay DELETING. @default 500 */
      deleteTableMs?: number;
      /** Time tables stay UPDATING. @default 500 */
      updateTableMs?: number;
      /** @default 400 */
      maxItemSizeKb?: number;
      /** Serve HTTPS (with a bundled self-signed certificate unless key/cert are given). @default false */
      ssl?: boolean;
      key?: string | Buffer;
      cert?: string | Buffer;
      ca?: string | Buffer;
      verbose?: boolean;
      debug?: boolean;
    }
  }

  /** A server not yet listening; its `close` also closes the store. */
  function dynalite(options: dynalite.Options & { ssl: true }): HttpsServer;
  function dynalite(options?: dynalite.Options): HttpServer;

  export = dynalite;
}
