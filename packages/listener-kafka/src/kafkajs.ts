// kafkajs is CommonJS: take its runtime values from the default export so every ESM loader
// (Node, bundlers, jest) agrees, and its types from the type declarations.
import kafkajs from 'kafkajs';

export const { Kafka, Partitioners, logLevel: KafkaLogLevel } = kafkajs;
