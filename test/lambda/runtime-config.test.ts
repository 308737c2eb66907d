import { readRuntimeConfig, RuntimeConfigError } from '../../functions/lambda/runtime-config';

// What a deployed function reads from its environment: what it needs, present and well-formed, or a clear error.

const env = {
  CERTWATCH_TABLE: 'Certwatch-StateTable-1A2B3C',
  CERTWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:Certwatch-AlertTopic-XYZ',
  CERTWATCH_PROBE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Certwatch-ProbeQueue',
};

test('reads the settings asked for, and only those', () => {
  expect(readRuntimeConfig(['tableName', 'topicArn'], env)).toEqual({ tableName: env.CERTWATCH_TABLE, topicArn: env.CERTWATCH_TOPIC_ARN });
  expect(readRuntimeConfig(['tableName'], { CERTWATCH_TABLE: 'certwatch' })).toEqual({ tableName: 'certwatch' });
});

test.each([
  [['tableName'], {}, 'CERTWATCH_TABLE is not set: the function needs the name of its DynamoDB state table'],
  [['topicArn'], { CERTWATCH_TOPIC_ARN: '  ' }, 'CERTWATCH_TOPIC_ARN is not set: the function needs the ARN of the alert topic'],
  [['topicArn'], { CERTWATCH_TOPIC_ARN: 'alerts' }, 'CERTWATCH_TOPIC_ARN must be the ARN of the alert topic, such as arn:aws:sns:eu-west-1:123456789012:alerts'],
  [['probeQueueUrl'], { CERTWATCH_PROBE_QUEUE_URL: 'Certwatch-ProbeQueue' }, 'CERTWATCH_PROBE_QUEUE_URL must be the URL of the probe queue'],
] as const)('a missing or malformed setting is a RuntimeConfigError naming the variable (%j)', (needed, values, message) => {
  expect(() => readRuntimeConfig(needed, values)).toThrow(RuntimeConfigError);
  expect(() => readRuntimeConfig(needed, values)).toThrow(message);
});
