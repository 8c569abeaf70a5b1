import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface QueueModuleOptions {
  /** `redis`: Redis Streams (needs Redis configured); `memory`: in-process, nothing durable. */
  type: 'redis' | 'memory';
}

export const {
  ConfigurableModuleClass: ConfigurableQueueModule,
  MODULE_OPTIONS_TOKEN: QUEUE_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<QueueModuleOptions>().setClassMethodName('forRoot').build();
