// Quiet structured logs in tests unless asked for (POWERTOOLS_LOG_LEVEL=DEBUG npx jest ...).
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL || 'SILENT';
// Never reach real AWS from a test: fake credentials and region; endpoints point at loopback servers or mocks.
process.env.AWS_REGION = process.env.AWS_REGION || 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The pinned SDK supports Node 20; its notice about later releases (printed from the embedded store's thread, where
// jest does not collect warnings) is noise here, as bin/certwatch.js makes it for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
