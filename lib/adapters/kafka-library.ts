// The parts of @platformatic/kafka this project uses, in one module that kafka-client.ts loads on
// first use: a bundle then keeps only these, and evaluates them only when Kafka is first needed.
export {
  Admin,
  Consumer,
  ConfigResourceTypes,
  ListOffsetTimestamps,
  MessagesStreamModes,
  Producer,
  compatibilityPartitioner,
  findErrorBy,
} from '@platformatic/kafka';
