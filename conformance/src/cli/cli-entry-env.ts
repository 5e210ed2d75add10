/** Environment variables through which the CLI tells its vitest entry file what to load. */
export const MODULE_ENV = "OPENLATTICE_CONFORMANCE_MODULE";
export const CONFIG_ENV = "OPENLATTICE_CONFORMANCE_CONFIG";
