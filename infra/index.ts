// certwatch's package entry for CDK apps: `import { CertWatch, loadConfigFile } from 'certwatch'`.
export { CertWatch, type CertWatchProps } from './certwatch';
export { CertwatchStack, type CertwatchStackProps } from './certwatch-stack';
export { loadConfigFile } from '../functions/config-file/load-config-file';
export { ConfigError, parseConfig, type CertwatchConfig } from '../functions/core/config';
export { probeCapacity, type ProbeCapacity } from '../functions/core/watch-plan';
