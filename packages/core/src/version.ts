// Kept in step with package.json by the release (nx release bumps both; a test checks they agree).
export const CORE_VERSION = '0.1.0';
