/**
 * Runs before every test file (vitest \`setupFiles\`), hence before \`modal\` is imported: the SDK
 * reads \`~/.modal.toml\` at import, which could otherwise point tests at a real account or
 * server. Real credentials found in the environment are moved aside for the live tests
 * (test/live-modal.test.ts), which pass them to the provider explicitly.
 */
if (
  process.env.MODAL_TOKEN_ID &&
  process.env.MODAL_TOKEN_SECRET &&
  !process.env.MODAL_TOKEN_ID.startsWith("ak-openlattice-test")
) {
  process.env.OPENLATTICE_LIVE_MODAL_TOKEN_ID ??= process.env.MODAL_TOKEN_ID;
  process.env.OPENLATTICE_LIVE_MODAL_TOKEN_SECRET ??= process.env.MODAL_TOKEN_SECRET;
}
process.env.MODAL_CONFIG_PATH = "/nonexistent/openlattice-modal-tests.toml";
process.env.MODAL_TOKEN_ID = "ak-openlattice-test";
process.env.MODAL_TOKEN_SECRET = "as-openlattice-test";
delete process.env.MODAL_SERVER_URL;
delete process.env.MODAL_ENVIRONMENT;
delete process.env.MODAL_PROFILE;
process.env.MODAL_LOGLEVEL ??= "error";
