/** Reported with every result; bump when a change alters the bits a config produces. */
export const ENGINE_VERSION = "0.2.0";
